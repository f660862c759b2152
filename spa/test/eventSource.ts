// A stand-in for the browser's EventSource in jsdom: tests open it, emit named events and read
// the last one the hook made.
export class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static last: FakeEventSource | null = null;
  /** every one made, oldest first (tests that count reopens empty it first) */
  static all: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, ((ev: MessageEvent) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.last = this;
    FakeEventSource.all.push(this);
  }
  addEventListener(name: string, fn: (ev: MessageEvent) => void) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
  }
  close() {
    this.readyState = FakeEventSource.CLOSED;
  }
  open() {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.();
  }
  /** The connection drops and the browser retries it itself (readyState CONNECTING). */
  drop() {
    this.readyState = FakeEventSource.CONNECTING;
    this.onerror?.();
  }
  /** The browser gives up (a 502, a wrong content type): CLOSED, never retried. */
  fail() {
    this.readyState = FakeEventSource.CLOSED;
    this.onerror?.();
  }
  /** An event, with the id a logged one carries (`lastEventId`, as a browser sets it). */
  emit(name: string, data: unknown, id = "") {
    for (const fn of this.listeners.get(name) ?? [])
      fn({ data: JSON.stringify(data), lastEventId: id } as MessageEvent);
  }
}
