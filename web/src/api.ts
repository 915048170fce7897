// The host's HTTP API, typed as the UI uses it. Every error is ProblemDetails JSON (RFC 9457).

export type OrderState =
  | 'NEW' | 'CREATED' | 'SCHEDULED' | 'IN_PREPARATION' | 'SCHEDULING_DELIVERY'
  | 'WAITING_FOR_DRIVER' | 'IN_DELIVERY' | 'DELIVERED' | 'REJECTED' | 'CANCELLED';

export type WorkflowStatus = 'Running' | 'Completed' | 'Failed' | 'Cancelled' | 'Terminated' | 'ContinuedAsNew';

export interface GeoPoint { lat: number; lon: number }

export interface Product {
  productId: string; name: string; category: string; price: number; prepSeconds: number; icon: string;
}

export interface Restaurant {
  id: string; name: string; regionId: string; location: GeoPoint; cooks: number; menu: Product[];
}

export interface Region {
  id: string; name: string; center: GeoPoint; radiusMeters: number; waitingDrivers: number; pendingDeliveries: number;
}

export interface OrderStatus {
  orderId: string;
  state: OrderState;
  restaurantId: string;
  regionId?: string | null;
  totalCost: number;
  history: { state: OrderState; at: string }[];
  scheduledFor?: string | null;
  driverId?: string | null;
  driverLocation?: GeoPoint | null;
  restaurantLocation?: GeoPoint | null;
  deliveryLocation?: GeoPoint | null;
  etaAt?: string | null;
  reason?: string | null;
  refunded: boolean;
}

export interface OrderView {
  id: string; status: OrderStatus | null; workflowStatus: WorkflowStatus; stuck: boolean; stuckError?: string | null; createdAt: string;
}

export interface OrderProduct { productId: string; description?: string | null; quantity: number }

export interface PlaceOrder {
  id?: string; restaurantId: string; products: OrderProduct[]; totalCost: number; deliveryDelay: number;
}

export interface KitchenOrder {
  orderId: string; restaurantId: string; products: OrderProduct[];
  state: 'Queued' | 'Cooking' | 'Ready' | 'Notified' | 'Cancelled';
  acceptedAt: string; cook?: number | null; cookStartedAt?: string | null; readyAt?: string | null;
  callbackAttempts: number; lastCallbackError?: string | null;
}

export interface DriverTwinState {
  driverId: string; state: 'IDLE' | 'WAITING_FOR_WORK' | 'DELIVERING' | string; regionId?: string | null;
  location?: GeoPoint | null; locationAt?: string | null; deliveriesCompleted: number;
  job?: { deliveryId?: string; orderId?: string; restaurantLocation?: GeoPoint; deliveryLocation?: GeoPoint } | null;
}

export interface DriverView { driverId: string; state: DriverTwinState; runId: string }

export interface ErrorInfo { message?: string; type?: string; stackTrace?: string | null; [key: string]: unknown }

export interface WorkflowSummary {
  workflowId: string; runId: string; type: string; status: WorkflowStatus; createdAt: string; closedAt?: string | null;
  customStatus?: unknown; isStuck: boolean;
}

export interface WorkflowList { items: WorkflowSummary[]; nextPageToken?: string | null }

export interface WorkflowDetails {
  workflowId: string; runId: string; type: string; status: WorkflowStatus; customStatus?: unknown; input?: unknown;
  result?: unknown; error?: ErrorInfo | null; createdAt: string; updatedAt: string; closedAt?: string | null;
  parentWorkflowId?: string | null; parentRunId?: string | null; historyLength: number; cancelRequested: boolean;
  isStuck: boolean; stuckError?: string | null; stuckAttempts: number; stuckRetryAt?: string | null; traceId?: string | null;
  pendingActivities: { sequence: number; name: string; attempt: number; nextAttemptAt: string; lastError?: ErrorInfo | null }[];
  pendingTimers: { sequence: number; fireAt: string }[];
  children: { workflowId: string; runId: string; type: string; status: WorkflowStatus }[];
  bufferedSignals: { name: string; argument?: unknown }[];
}

export interface HistoryEvent {
  eventId: number; type: string; timestamp: string; sequence?: number | null; name?: string | null; payload?: unknown;
  error?: ErrorInfo | null; target?: string | null; options?: unknown;
}

/** A failed request, carrying the server's ProblemDetails when it sent one. */
export interface HostInfo {
  name: string; version: string; kafka: { bootstrapServers: string; embedded: boolean };
  telemetry: { serviceName: string; exportingTraces: boolean; exportingMetrics: boolean; protocol: string; jaegerUiUrl?: string | null };
}

export interface MetricSeries {
  name: string; kind: 'counter' | 'updowncounter' | 'histogram' | 'gauge'; unit?: string | null; tags: Record<string, string>;
  value: number; count?: number | null; mean?: number | null; p50?: number | null; p95?: number | null; max?: number | null; perSecond?: number | null;
}

export interface MetricsSnapshot {
  at: string; windowSeconds: number; ordersByStatus: Record<string, number>; signalsPerSecond: number;
  cache: { hits: number; misses: number; hitRatio?: number | null }; activeTasks: number; kafkaLag: Record<string, number>; series: MetricSeries[];
}

/** The Jaeger UI's page of a trace, or undefined when no Jaeger UI is configured. */
export const jaegerTraceUrl = (jaegerUiUrl: string | null | undefined, traceId: string | null | undefined) =>
  jaegerUiUrl && traceId ? `${jaegerUiUrl.replace(/\/+$/, '')}/trace/${encodeURIComponent(traceId)}` : undefined;

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail?: string;
  readonly errors?: Record<string, string[]>;

  constructor(status: number, title: string, detail?: string, errors?: Record<string, string[]>) {
    super(detail ?? title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = errors;
  }
}

interface ProblemDetails { title?: string; detail?: string; status?: number; errors?: Record<string, string[]> }

export async function request<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
      headers: { accept: 'application/json', ...(init?.body ? { 'content-type': 'application/json' } : {}), ...init?.headers },
    });
  } catch (e) {
    throw new ApiError(0, 'The server cannot be reached', e instanceof Error ? e.message : String(e));
  }
  const text = await response.text();
  const body: unknown = text ? safeJson(text) : undefined;
  if (!response.ok) {
    const problem = (typeof body === 'object' && body !== null ? body : {}) as ProblemDetails;
    throw new ApiError(response.status, problem.title ?? `${response.status} ${response.statusText}`, problem.detail, problem.errors);
  }
  return body as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const post = <T>(path: string, body?: unknown, token?: string) =>
  request<T>(path, {
    method: 'POST', body: body === undefined ? undefined : JSON.stringify(body),
    headers: token ? { authorization: `Bearer ${token}` } : undefined,
  });

// Credentials (see the README's Security section). A customer's cancel token comes with the placed order and stays in this
// browser; the operator token (run inspector actions, the kitchen display's button) comes from GET /api/auth/local, which the
// host answers only for a browser on its own machine, or else is pasted once per browser session.
const OPERATOR_KEY = 'foodordering.operator-token';
const orderKey = (id: string) => `foodordering.order-token.${id}`;

async function operatorToken(): Promise<string | undefined> {
  const known = sessionStorage.getItem(OPERATOR_KEY);
  if (known) return known;
  let token: string | undefined;
  try {
    token = (await request<{ operatorToken: string }>('/api/auth/local')).operatorToken;
  } catch {
    token = window.prompt('This action needs the operator token (printed by the host at its first start, kept in data/secrets.json). Paste it:')?.trim() || undefined;
  }
  if (token) sessionStorage.setItem(OPERATOR_KEY, token);
  return token;
}

/** A POST with the operator's credential; a refused token is forgotten so that the next try fetches or asks for it again. */
async function asOperator<T>(path: string, body?: unknown, token?: string): Promise<T> {
  const credential = token ?? await operatorToken();
  try {
    return await post<T>(path, body, credential);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401 && credential === sessionStorage.getItem(OPERATOR_KEY)) sessionStorage.removeItem(OPERATOR_KEY);
    throw e;
  }
}

async function placeOrder(order: PlaceOrder) {
  const accepted = await post<{ id: string; statusUrl: string; eventsUrl: string; cancelToken: string }>('/api/orders', order);
  localStorage.setItem(orderKey(accepted.id), accepted.cancelToken);
  return accepted;
}

export const api = {
  info: () => request<HostInfo>('/api/info'),
  metrics: () => request<MetricsSnapshot>('/api/metrics'),
  restaurants: () => request<Restaurant[]>('/api/restaurants'),
  regions: () => request<Region[]>('/api/regions'),
  orders: (pageSize = 500) => request<OrderView[]>(`/api/orders?pageSize=${pageSize}`),
  order: (id: string) => request<OrderView>(`/api/orders/${encodeURIComponent(id)}`),
  placeOrder,
  /** With the order's own cancel token when this browser placed it, else as the operator. */
  cancelOrder: (id: string) => asOperator<{ id: string; message: string }>(`/api/orders/${encodeURIComponent(id)}/cancel`, undefined,
    localStorage.getItem(orderKey(id)) ?? undefined),
  queue: (restaurantId: string) => request<KitchenOrder[]>(`/api/restaurants/${encodeURIComponent(restaurantId)}/queue`),
  markPrepared: (restaurantId: string, orderId: string) =>
    asOperator<void>(`/api/restaurants/${encodeURIComponent(restaurantId)}/orders/${encodeURIComponent(orderId)}/mark-prepared`),
  drivers: (regionId?: string) => request<DriverView[]>(`/api/drivers${regionId ? `?regionId=${encodeURIComponent(regionId)}` : ''}`),
  workflows: (query: Record<string, string | undefined>) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
    return request<WorkflowList>(`/api/workflows?${params.toString()}`);
  },
  workflow: (id: string) => request<WorkflowDetails>(`/api/workflows/${encodeURIComponent(id)}`),
  history: (id: string) => request<HistoryEvent[]>(`/api/workflows/${encodeURIComponent(id)}/history`),
  signal: (id: string, name: string, argument: unknown) => asOperator<unknown>(`/api/workflows/${encodeURIComponent(id)}/signals/${encodeURIComponent(name)}`, argument),
  cancelRun: (id: string) => asOperator<unknown>(`/api/workflows/${encodeURIComponent(id)}/cancel`),
  terminateRun: (id: string, reason: string) => asOperator<unknown>(`/api/workflows/${encodeURIComponent(id)}/terminate`, { reason }),
};

export const ORDER_FLOW: OrderState[] = [
  'CREATED', 'SCHEDULED', 'IN_PREPARATION', 'SCHEDULING_DELIVERY', 'WAITING_FOR_DRIVER', 'IN_DELIVERY', 'DELIVERED',
];

export const STATE_LABELS: Record<OrderState, string> = {
  NEW: 'New', CREATED: 'Created', SCHEDULED: 'Scheduled', IN_PREPARATION: 'In preparation', SCHEDULING_DELIVERY: 'Finding a driver',
  WAITING_FOR_DRIVER: 'Driver on the way', IN_DELIVERY: 'In delivery', DELIVERED: 'Delivered', REJECTED: 'Rejected', CANCELLED: 'Cancelled',
};

export const isTerminal = (state: OrderState) => state === 'DELIVERED' || state === 'REJECTED' || state === 'CANCELLED';
export const isCancellable = (state: OrderState) => state === 'NEW' || state === 'CREATED' || state === 'SCHEDULED';

export const money = (value: number) => `$${value.toFixed(2)}`;
export const time = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleTimeString() : '');
