// ink imports react-devtools-core only when DEV=true; the bundle aliases it here so
// the optional dependency is never needed.
export default { initialize() {}, connectToDevTools() {} };
