#!/usr/bin/env bash
# Deploy trafficha: central cluster (Redis, MariaDB, simulator), Karmada (member workloads,
# active-active in member1 and member2), Istio (per member cluster).
#
#   ./deploy.sh prereq|build|central|karmada|istio|verify|all
#   ./deploy.sh render DIR     print manifests/DIR rendered with IMAGE (no cluster needed)
#
# Environment (defaults in brackets):
#   CENTRAL_CONTEXT [central-ctx]   KARMADA_CONTEXT [karmada-api-ctx]
#   MEMBER1_CONTEXT [karmada-member1-ctx]   MEMBER2_CONTEXT [karmada-member2-ctx]
#   IMAGE [ghcr.io/trafficha/trafficha:0.1.0]   PUSH [0]: push the image after building
#   SECRETS_ENV_FILE [manifests/secrets.env]: KEY=VALUE file (see manifests/secrets.example.env)
#   COLLECTOR_PLACEMENT [active-active]: or `single`, one collector that Karmada moves on failure
#     (manifests/karmada-single-collector; needs the Karmada opt-ins listed there)
#   CENTRAL_GATEWAY_ADDRESS: the central cluster's east-west gateway address (istio step)
#   INGRESS_URL: URL of an ingress gateway for the verify step (default: member1's ingress IP)
# Secret values are never printed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CENTRAL_CONTEXT="${CENTRAL_CONTEXT:-central-ctx}"
KARMADA_CONTEXT="${KARMADA_CONTEXT:-karmada-api-ctx}"
MEMBER1_CONTEXT="${MEMBER1_CONTEXT:-karmada-member1-ctx}"
MEMBER2_CONTEXT="${MEMBER2_CONTEXT:-karmada-member2-ctx}"
IMAGE="${IMAGE:-ghcr.io/trafficha/trafficha:0.1.0}"
PUSH="${PUSH:-0}"
SECRETS_ENV_FILE="${SECRETS_ENV_FILE:-${ROOT}/manifests/secrets.env}"
COLLECTOR_PLACEMENT="${COLLECTOR_PLACEMENT:-active-active}"
NAMESPACE=trafficha
MEMBER_DEPLOYMENTS=(openapi-proxy collector processor data-api gateway)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Render a kustomize directory with the chosen image.
render() {
  local dir="$1" tmp
  tmp="$(mktemp -d)"
  cp -R "${ROOT}/manifests/." "${tmp}/"
  (cd "${tmp}/${dir}" && kubectl kustomize . ) \
    | sed -e "s#ghcr.io/trafficha/trafficha:0.1.0#${IMAGE}#g"
  rm -rf "${tmp}"
}

apply_dir() { # context dir
  log "apply manifests/$2 to context $1"
  render "$2" | kubectl --context "$1" apply -f -
}

SECRET_KEYS=(DB_PASSWORD DB_ROOT_PASSWORD DB_READER_PASSWORD REDIS_PASSWORD)

# Refuse a missing, placeholder or incomplete env file before touching any cluster.
check_secrets() {
  local key
  [[ -f "${SECRETS_ENV_FILE}" ]] || die "missing ${SECRETS_ENV_FILE} (copy manifests/secrets.example.env)"
  if grep -q 'CHANGE_ME' "${SECRETS_ENV_FILE}"; then
    die "${SECRETS_ENV_FILE} still holds CHANGE_ME placeholders"
  fi
  for key in "${SECRET_KEYS[@]}"; do
    grep -Eq "^${key}=.+" "${SECRETS_ENV_FILE}" || die "${SECRETS_ENV_FILE}: ${key} is missing or empty"
  done
}

# Create or update the Secret from the env file without echoing its content.
apply_secret() { # context
  log "secret trafficha-secrets in context $1 (values not shown)"
  kubectl --context "$1" -n "${NAMESPACE}" create secret generic trafficha-secrets \
    --from-env-file="${SECRETS_ENV_FILE}" --dry-run=client -o yaml \
    | kubectl --context "$1" apply -f - >/dev/null
}

ensure_namespace() { # context
  kubectl --context "$1" get namespace "${NAMESPACE}" >/dev/null 2>&1 \
    || kubectl --context "$1" create namespace "${NAMESPACE}" >/dev/null
  kubectl --context "$1" label namespace "${NAMESPACE}" istio-injection=enabled --overwrite >/dev/null
}

step_prereq() {
  local tool ctx
  for tool in kubectl docker; do
    command -v "${tool}" >/dev/null || die "${tool} not found"
  done
  for ctx in "${CENTRAL_CONTEXT}" "${KARMADA_CONTEXT}" "${MEMBER1_CONTEXT}" "${MEMBER2_CONTEXT}"; do
    kubectl config get-contexts "${ctx}" >/dev/null 2>&1 || die "kube context ${ctx} not found"
    log "context ${ctx}: ok"
  done
  kubectl --context "${KARMADA_CONTEXT}" api-resources --api-group=policy.karmada.io >/dev/null \
    || die "${KARMADA_CONTEXT} does not serve policy.karmada.io (not a Karmada API server?)"
  for ctx in "${MEMBER1_CONTEXT}" "${MEMBER2_CONTEXT}"; do
    kubectl --context "${ctx}" api-resources --api-group=networking.istio.io >/dev/null \
      || die "Istio CRDs missing in ${ctx}"
  done
}

step_build() {
  log "docker build -t ${IMAGE}"
  docker build -t "${IMAGE}" "${ROOT}"
  if [[ "${PUSH}" == 1 ]]; then
    docker push "${IMAGE}"
  fi
}

step_central() {
  check_secrets
  ensure_namespace "${CENTRAL_CONTEXT}"
  apply_secret "${CENTRAL_CONTEXT}"
  # The Job's pod template is immutable: replace it on every deploy.
  kubectl --context "${CENTRAL_CONTEXT}" -n "${NAMESPACE}" delete job trafficha-migrate \
    --ignore-not-found >/dev/null
  apply_dir "${CENTRAL_CONTEXT}" central
  log "waiting for MariaDB and Redis"
  kubectl --context "${CENTRAL_CONTEXT}" -n "${NAMESPACE}" rollout status statefulset/mariadb --timeout=300s
  kubectl --context "${CENTRAL_CONTEXT}" -n "${NAMESPACE}" rollout status statefulset/redis --timeout=300s
  kubectl --context "${CENTRAL_CONTEXT}" -n "${NAMESPACE}" wait --for=condition=complete \
    job/trafficha-migrate --timeout=300s
  kubectl --context "${CENTRAL_CONTEXT}" -n "${NAMESPACE}" rollout status deployment/simulator --timeout=180s
}

step_karmada() {
  local policies
  case "${COLLECTOR_PLACEMENT}" in
    active-active) policies=karmada ;;
    single) policies=karmada-single-collector ;;
    *) die "COLLECTOR_PLACEMENT must be active-active or single" ;;
  esac
  check_secrets
  ensure_namespace "${KARMADA_CONTEXT}"
  apply_secret "${KARMADA_CONTEXT}"
  apply_dir "${KARMADA_CONTEXT}" "${policies}"
  apply_dir "${KARMADA_CONTEXT}" members
}

step_istio() {
  local ctx
  [[ -n "${CENTRAL_GATEWAY_ADDRESS:-}" ]] || die "set CENTRAL_GATEWAY_ADDRESS (central east-west gateway)"
  for ctx in "${MEMBER1_CONTEXT}" "${MEMBER2_CONTEXT}"; do
    log "apply manifests/istio to context ${ctx}"
    render istio | sed -e "s#CENTRAL_GATEWAY_ADDRESS#${CENTRAL_GATEWAY_ADDRESS}#g" \
      | kubectl --context "${ctx}" apply -f -
  done
}

step_verify() {
  local ctx dep url
  for ctx in "${MEMBER1_CONTEXT}" "${MEMBER2_CONTEXT}"; do
    for dep in "${MEMBER_DEPLOYMENTS[@]}"; do
      kubectl --context "${ctx}" -n "${NAMESPACE}" rollout status "deployment/${dep}" --timeout=300s
    done
  done
  kubectl --context "${KARMADA_CONTEXT}" -n "${NAMESPACE}" get resourcebindings
  url="${INGRESS_URL:-}"
  if [[ -z "${url}" ]]; then
    url="http://$(kubectl --context "${MEMBER1_CONTEXT}" -n istio-system get service istio-ingressgateway \
      -o jsonpath='{.status.loadBalancer.ingress[0].ip}')"
  fi
  log "GET ${url}/api/ha/status"
  curl -fsS --max-time 10 "${url}/api/ha/status" >/dev/null || die "ingress ${url} does not answer"
  log "ok: both members deployed, ingress answers"
}

main() {
  local step="${1:-}"
  case "${step}" in
    prereq) step_prereq ;;
    build) step_build ;;
    central) step_central ;;
    karmada) step_karmada ;;
    istio) step_istio ;;
    verify) step_verify ;;
    render)
      # For review or GitOps: the manifests of one directory, with IMAGE, on stdout.
      [[ -f "${ROOT}/manifests/${2:-}/kustomization.yaml" ]] || die "usage: $0 render DIR (under manifests/)"
      render "$2"
      ;;
    all)
      step_prereq
      step_build
      step_central
      step_karmada
      step_istio
      step_verify
      ;;
    *) die "usage: $0 prereq|build|central|karmada|istio|verify|all|render DIR" ;;
  esac
}

main "$@"
