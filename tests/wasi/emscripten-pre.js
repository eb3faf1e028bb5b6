// Prepended to the Emscripten builds of the WASI commands (build.rs passes
// it to emcc with --pre-js): gives them what run.mjs gives the WASI builds,
// HOME, the WASM_TLSF_PROBE_k variables and the --probe= argument (after
// the command line's case names), with the same values.
// Must match tests/wasi/src/common/mod.rs (probe_len, probe_value).
(function () {
  var PROBE_LENS = [1, 7, 64, 300, 1000, 4000, 12000, 30000];
  var PROBE_ARG_LEN = 5000;
  function probeValue(k, len) {
    var s = "";
    for (var i = 0; i < len; i++) s += String.fromCharCode(97 + ((i * 7 + k * 13) % 26));
    return s;
  }
  Module["arguments"] = process.argv
    .slice(2)
    .concat(["--probe=" + probeValue(PROBE_LENS.length, PROBE_ARG_LEN)]);
  Module["preRun"] = [
    function () {
      // Emscripten's own defaults, which node:wasi does not set: removed.
      ["USER", "LOGNAME", "PATH", "PWD", "LANG", "_"].forEach(function (name) {
        ENV[name] = undefined;
      });
      ENV["HOME"] = "/sandbox";
      PROBE_LENS.forEach(function (len, k) {
        ENV["WASM_TLSF_PROBE_" + k] = probeValue(k, len);
      });
    },
  ];
})();
