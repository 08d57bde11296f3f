export { runTui } from './run.tsx';
export { App, type AppProps } from './app.tsx';
export { text } from './text.ts';
export { summaryLines, machineSummary, machineChecks, cgroupLayout } from './summary.ts';
