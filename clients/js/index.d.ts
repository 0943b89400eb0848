// Types of fakes3-helper (index.mjs). The JSON documents follow fakes3's control API contract.

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface StartOptions {
  /** The fakes3 binary (default: FAKES3_BIN, else `fakes3` on PATH). */
  bin?: string;
  /** More flags for the server. */
  args?: string[];
  /** More environment for the server. */
  env?: Record<string, string>;
  /** How long to wait for GET /_fakes3/health, in ms (default 60000). */
  readyTimeout?: number;
  /** For clients and signed control calls (default: FAKES3_ACCESS_KEY / FAKES3_SECRET_KEY). */
  credentials?: Credentials;
  /** Default: FAKES3_REGION, else us-east-1. */
  region?: string;
  /** Keep the temporary root and logs after stop(). */
  keep?: boolean;
}

export interface ConnectOptions {
  credentials?: Credentials;
  region?: string;
  /** A CA certificate (PEM) for an https:// endpoint. */
  ca?: string | Uint8Array;
}

export interface JournalEntry {
  id: number;
  time: string;
  method: string;
  target: string;
  style: 'path' | 'virtual';
  op: string | null;
  bucket: string | null;
  key: string | null;
  version_id: string | null;
  status: number;
  error: string | null;
  request_headers: Record<string, string>;
  response_headers: Record<string, string>;
  request_body: { bytes: number; sha256: string | null };
  response_bytes: number;
  duration_ms: number;
  client: string;
  auth: { access_key: string | null; decision: string };
  request_id: string;
}

export interface JournalFilters {
  op?: string;
  method?: string;
  bucket?: string;
  /** A key prefix. */
  key?: string;
  /** 503, or a class such as '5xx'. */
  status?: number | string;
  error?: string;
  /** Only entries with a larger id. */
  since?: number;
  /** The newest N of the matches. */
  limit?: number;
}

export interface FaultMatch {
  op?: string;
  method?: string;
  bucket?: string;
  /** A glob: * and ?. */
  key?: string;
  /** A request header that must be present. */
  header?: string;
  /** A client address. */
  client?: string;
}

export interface FaultAction {
  error?: string;
  status?: number;
  message?: string;
  delay_ms?: number;
  body_delay_ms?: number;
  reset?: 'before_head' | 'after_head';
  truncate_after?: number;
  rate?: number;
}

export interface FaultRule {
  /** Which requests; an op name alone means {op}. */
  match?: FaultMatch | string;
  /** What happens; an error code alone means {error} (with its usual status for common codes). */
  action?: FaultAction | string;
  times?: number;
  after?: number;
  probability?: number;
  seed?: number;
}

export interface FaultState {
  id: string;
  match: FaultMatch;
  action: FaultAction;
  hits: number;
  matched: number;
  [field: string]: unknown;
}

export interface ClockState {
  now: string;
  offset_seconds: number;
  frozen: boolean;
}

export interface SnapshotInfo {
  name: string;
  created: string;
  buckets: number;
  objects: number;
}

export interface S3ClientOptions {
  endpoint: string;
  forcePathStyle: true;
  region: string;
  credentials: Credentials;
  [option: string]: unknown;
}

export interface Fakes3 {
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  readonly credentials: Credentials;
  /** The started server's log files (null for a connected one). */
  readonly logs: { stdout: string; stderr: string } | null;

  /** Options for `new S3Client(...)`, extra merged over them. */
  s3ClientConfig(extra?: Record<string, unknown>): S3ClientOptions;

  /** Any control call: method on /_fakes3<path>. */
  call(method: string, path: string,
    options?: { body?: unknown; query?: Record<string, unknown>; timeout?: number }): Promise<any>;
  health(): Promise<{ status: 'ok' }>;
  info(): Promise<Record<string, unknown>>;
  reset(bucket?: string): Promise<{ reset: string; ms: number }>;

  snapshot(name: string): Promise<SnapshotInfo & { ms: number }>;
  restore(name: string): Promise<{ name: string; ms: number }>;
  snapshots(): Promise<SnapshotInfo[]>;
  deleteSnapshot(name: string): Promise<{ deleted: string }>;

  requests(filters?: JournalFilters): Promise<JournalEntry[]>;
  lastRequestId(): Promise<number>;
  /** Rejects with a Fakes3Error (code 'Timeout', .requests) after timeout seconds. */
  waitRequests(filters?: JournalFilters,
    options?: { count?: number; timeout?: number }): Promise<JournalEntry[]>;
  clearRequests(): Promise<number>;

  /** Resolves the new rule's id. */
  fault(rule: FaultRule): Promise<string>;
  faults(): Promise<FaultState[]>;
  removeFault(id: string): Promise<{ deleted: string }>;
  clearFaults(): Promise<number>;

  clock: {
    state(): Promise<ClockState>;
    now(): Promise<Date>;
    advance(seconds: number): Promise<ClockState>;
    set(when: string | Date): Promise<ClockState>;
    freeze(): Promise<ClockState>;
    unfreeze(): Promise<ClockState>;
    reset(): Promise<ClockState>;
  };

  /** Stops a started server; rejects if it did not stop cleanly. No-op for a connected one. */
  stop(options?: { timeout?: number }): Promise<void>;
}

export class Fakes3Error extends Error {
  readonly status: number;
  readonly code: string;
  readonly body: Record<string, unknown>;
  /** For a waitRequests timeout: what did match. */
  readonly requests?: JournalEntry[];
}

export function startFakes3(options?: StartOptions): Promise<Fakes3>;
export function connectFakes3(endpoint?: string, options?: ConnectOptions): Promise<Fakes3>;
export function signV4(request: {
  method: string;
  host: string;
  target: string;
  body?: string | Uint8Array;
  credentials: Credentials;
  region: string;
  now?: Date;
}): Record<'x-amz-date' | 'x-amz-content-sha256' | 'authorization', string>;
