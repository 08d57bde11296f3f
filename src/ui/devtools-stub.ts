// esbuild aliases react-devtools-core to this (package.json "bundle"): ink imports it only
// when DEV=true, and the real package would pull a websocket client into the bundle.
const devtools = { initialize(): void {}, connectToDevTools(): void {} };
export default devtools;
