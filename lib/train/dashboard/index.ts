/** The training dashboard: run event logs, the callbacks that write them, and the server. */
export { dashboard, eventLog, DashboardCallback, EventLogCallback } from './callback';
export type { DashboardOptions, EventLogOptions } from './callback';
export { DashboardServer, libraryFile } from './server';
export type { DashboardServerOptions } from './server';
export { EVENT_LOG_NAME, EventLogWriter, RunTail, readEventLog, parseEventLine, histogram, modelSummary } from './events';
export type { RunEvent } from './events';
