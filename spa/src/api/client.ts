// Fetch helpers: JSON with the X-Served-By header parsed.

export interface ServedBy {
  raw: string;
  gateway: string | null;
  dataApi: string | null;
  /** distinct member names, in header order */
  members: string[];
}

/** "member2/gateway, member1/data-api" -> {gateway: "member2", dataApi: "member1", ...} */
export function parseServedBy(header: string | null | undefined): ServedBy | null {
  if (!header) return null;
  const raw = header.trim();
  if (!raw) return null;
  let gateway: string | null = null;
  let dataApi: string | null = null;
  const members: string[] = [];
  for (const part of raw.split(",")) {
    const p = part.trim();
    if (!p) continue;
    const slash = p.indexOf("/");
    const member = (slash >= 0 ? p.slice(0, slash) : p).trim();
    const service = slash >= 0 ? p.slice(slash + 1).trim() : "";
    if (!member) continue;
    if (!members.includes(member)) members.push(member);
    if (service === "gateway" && gateway === null) gateway = member;
    if ((service === "data-api" || service === "data_api") && dataApi === null) dataApi = member;
  }
  if (members.length === 0) return null;
  return { raw, gateway, dataApi, members };
}

export class HttpError extends Error {
  constructor(
    public readonly status: number,
    public readonly url: string,
  ) {
    super(`HTTP ${status} for ${url}`);
  }
}

export interface Fetched<T> {
  data: T;
  servedBy: ServedBy | null;
  /** the response's `Date` header (the server's clock), if any */
  date: string | null;
}

export async function fetchJson<T>(url: string, signal?: AbortSignal): Promise<Fetched<T>> {
  const res = await fetch(url, { signal, headers: { Accept: "application/json" } });
  const servedBy = parseServedBy(res.headers.get("X-Served-By"));
  if (!res.ok) throw new HttpError(res.status, url);
  const data = (await res.json()) as T;
  return { data, servedBy, date: res.headers.get("Date") };
}

export interface FetchTextOptions {
  signal?: AbortSignal;
  /** the request's cache mode: "no-cache" revalidates even an answer cached as immutable */
  cache?: RequestCache;
}

/** The body as text (to compare an answer with the last one before parsing it), with the
 * response's headers (the caller reads the ones it needs, e.g. X-Network-Version). */
export async function fetchText(
  url: string,
  { signal, cache }: FetchTextOptions = {},
): Promise<Fetched<string> & { headers: Headers }> {
  const init: RequestInit = { signal, headers: { Accept: "application/json" } };
  if (cache) init.cache = cache;
  const res = await fetch(url, init);
  const servedBy = parseServedBy(res.headers.get("X-Served-By"));
  if (!res.ok) throw new HttpError(res.status, url);
  return { data: await res.text(), servedBy, date: res.headers.get("Date"), headers: res.headers };
}
