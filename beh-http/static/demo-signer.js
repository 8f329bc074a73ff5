// The demo signer: window.behSigner for `beh serve --demo`. It fetches the logged-in demo
// person's public test key from /api/v1/demo/signing-key and signs with WebCrypto
// (RSASSA-PKCS1-v1_5, SHA-256). A region replaces this file with its SITHS client (Net iD or
// SITHS eID); see docs/signing-in-the-browser.md.
(function () {
  "use strict";
  function pemToDer(pem) {
    var b64 = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }
  window.behSigner = {
    name: "Demo (testnyckel)",
    sign: function (tbs) {
      return fetch("/api/v1/demo/signing-key", { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) {
          if (!r.ok) { throw new Error("Ingen testnyckel för den inloggade demopersonen."); }
          return r.json();
        })
        .then(function (k) {
          return crypto.subtle.importKey("pkcs8", pemToDer(k.private_key),
            { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"])
            .then(function (key) { return crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, tbs); })
            .then(function (sig) { return { signature: new Uint8Array(sig), certificates: k.certificates }; });
        });
    }
  };
})();
