import type {
  HaStatus,
  Incident,
  Notice,
  RoadStatus,
  RouteSummary,
  SectionFeature,
  SectionProps,
  Tollgate,
} from "../src/api/types";

export function incident(p: Partial<Incident> & { id: number }): Incident {
  return {
    accDate: "20261127",
    accHour: "1347",
    accPointNM: "산월IC-광산IC",
    roadNM: "호남선",
    nosunNM: "0250",
    smsText: "[고장] 호남선 논산방향 산월IC-광산IC 2차로 고장차량 발생",
    accType: "고장",
    latitude: 35.198079,
    altitude: 126.818454,
    createdAt: "2026-11-27T13:47:19.221000+09:00",
    occurredAt: "2026-11-27T13:47:16+09:00",
    lastSeenAt: "2026-11-27T13:47:39.225000+09:00",
    typeCode: "2",
    direction: "논산방향",
    processCode: "0",
    processName: "접수",
    lanesBlocked: "NYNNNN",
    shoulderBlocked: false,
    lateLengthKm: null,
    source: "sim",
    active: true,
    clearedAt: null,
    ...p,
  };
}

/** A notice as KEC's recorded feed has them: type 15 이벤트/홍보, progress 1 진행, no place. */
export function notice(p: Partial<Notice> & { id: number }): Notice {
  return {
    occurredAt: "2025-11-17T15:32:47+09:00",
    routeNo: "0500",
    routeName: "영동선",
    direction: "강릉방향",
    typeCode: "15",
    typeName: "이벤트/홍보",
    smsText: "** (강릉방향) 생태습지 졸음쉼터 화장실 폐쇄 **",
    pointName: "",
    active: true,
    processCode: "1",
    processName: "진행",
    firstSeenAt: "2026-11-27T13:00:00+09:00",
    lastSeenAt: "2026-11-27T13:47:39+09:00",
    source: "real",
    ...p,
  };
}

export function tollgate(p: Partial<Tollgate> & { unitCode: string }): Tollgate {
  return {
    unitName: `TG${p.unitCode}`,
    routeNo: "0010",
    routeName: "경부선",
    lat: 37.365,
    lon: 127.102,
    latestSlotAt: "2026-11-27T13:15:00+09:00",
    latestTrafficAmount: 100,
    series: [{ slotAt: "2026-11-27T13:15:00+09:00", trafficAmount: 100 }],
    ...p,
  };
}

export function roadStatus(p: Partial<RoadStatus> & { conzoneId: string }): RoadStatus {
  return {
    routeNo: "0010",
    routeName: "경부선",
    conzoneName: "구서IC-부산TG",
    vdsId: "V",
    updownTypeCode: "E",
    trafficAmount: 11,
    speed: 100,
    shareRatio: 4,
    timeAvg: 100,
    grade: 1,
    collectedAt: "2026-11-27T13:47:00+09:00",
    ...p,
  };
}

export function section(p: Partial<SectionProps> & { conzoneId: string }): SectionFeature {
  return {
    type: "Feature",
    geometry: {
      type: "LineString",
      coordinates: [
        [129.092, 35.249],
        [129.096, 35.284],
      ],
    },
    properties: {
      conzoneName: "구서IC-부산TG",
      routeNo: "0010",
      routeName: "경부선",
      direction: "E",
      lengthKm: 4.2,
      ...p,
    },
  };
}

export function summary(p: Partial<RouteSummary> & { routeNo: string }): RouteSummary {
  return {
    routeName: "경부선",
    totalSections: 10,
    smoothSections: 8,
    slowSections: 1,
    congestedSections: 1,
    avgSpeed: 90,
    avgTrafficAmount: 10,
    collectedAt: "2026-11-27T13:47:00+09:00",
    ...p,
  };
}

const SVC = ["collector", "data-api", "gateway", "processor", "proxy"];
export function haStatus(opts: { leader?: string; epoch?: number; down?: string[]; active?: string } = {}): HaStatus {
  const down = new Set(opts.down ?? []);
  return {
    servedBy: "member1/data-api",
    leader: {
      holder: `${opts.leader ?? "member1"}/collector-x`,
      member: opts.leader ?? "member1",
      epoch: opts.epoch ?? 1,
    },
    source: {
      mode: "sim",
      active: opts.active ?? "sim",
      switches: 1,
      changedAt: "2026-11-27T13:40:00+09:00",
      reason: "configured",
    },
    members: ["member1", "member2"].map((m) => ({
      member: m,
      services: SVC.map((s) => ({
        service: s,
        alive: !down.has(`${m}/${s}`),
        pid: 1,
        port: null,
        lastBeat: "2026-11-27T13:47:36+09:00",
      })),
    })),
    stream: { length: 5, pending: 1, lag: 0, deadLetters: 0, consumers: [] },
    collections: [
      { kind: "accidents", at: "2026-11-27T13:47:29+09:00", ok: true, records: 38, source: "sim", error: null },
    ],
    dataVersion: 5,
  };
}
