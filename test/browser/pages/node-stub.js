// Stands in for Node built-ins that tfjs-backend-wasm's ES module imports but never uses in a browser.
export default {};
