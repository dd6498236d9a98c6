// The terminal dashboard's public surface: runDashboard for the command line, Dashboard for tests.
export { runDashboard, type DashboardOptions } from './run-dashboard.js';
export { Dashboard, type DashboardProps } from './Dashboard.js';
export { computeLayout, type Layout, type LayoutRow, type PanelId } from './layout.js';
export { PROTO_FILTERS, nextFilter, passesFilter, type ProtoFilter } from './filter.js';
