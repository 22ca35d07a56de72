// Stands in for the Node built-ins (fs, path, perf_hooks, os) that tfjs-backend-wasm's ES module
// imports but never uses in a browser; the import map in index.html points them here.
export default {};
