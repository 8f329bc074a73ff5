// Godkänn on the attest page: ask for a challenge, show the Swedish sign text, sign the
// to-be-signed bytes with window.behSigner (the region's SITHS client or, in demo mode, the
// demo signer), and send the signature to the JSON API. No other page uses JavaScript.
(function () {
  "use strict";
  var form = document.getElementById("attest-form");
  var approve = document.getElementById("godkann");
  if (!form || !approve) { return; }
  var order = form.getAttribute("data-order");
  var panel = document.getElementById("sign-panel");
  var signed = document.getElementById("signed-panel");
  var text = document.getElementById("sign-text");
  var status = document.getElementById("sign-status");
  var signButton = document.getElementById("sign-button");
  var cancel = document.getElementById("sign-cancel");
  var challenge = null;

  function b64ToBytes(b64) {
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }
  function bytesToB64(bytes) {
    if (typeof bytes === "string") { return bytes; }
    var u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    var bin = "";
    for (var i = 0; i < u8.length; i++) { bin += String.fromCharCode(u8[i]); }
    return btoa(bin);
  }
  function messages(body, fallback) {
    if (body && body.errors && body.errors.length) {
      return body.errors.map(function (e) { return e.message; }).join(" ");
    }
    return fallback;
  }
  function decision() {
    var removed = Array.prototype.map.call(
      form.querySelectorAll("input[name=removed]"), function (i) { return parseInt(i.value, 10); });
    var approveIds = [];
    Array.prototype.forEach.call(document.querySelectorAll("#lines tr[data-line]"), function (tr) {
      var id = parseInt(tr.getAttribute("data-line"), 10);
      if (removed.indexOf(id) < 0) { approveIds.push(id); }
    });
    return { approve: approveIds, remove: removed };
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (j) { return { ok: r.ok, body: j }; });
    });
  }
  function open(el) { el.hidden = false; el.focus(); }
  function close() { panel.hidden = true; challenge = null; approve.focus(); }

  function askChallenge() {
    status.textContent = "Hämtar underlag för signering…";
    signButton.disabled = true;
    return post("/api/v1/orders/" + order + "/attestation/challenge", decision()).then(function (r) {
      if (!r.ok) { status.textContent = messages(r.body, "Underlaget för signering kunde inte hämtas."); return; }
      challenge = r.body;
      text.textContent = challenge.text;
      status.textContent = "";
      signButton.disabled = false;
      signButton.focus();
    }, function () { status.textContent = "Servern svarar inte. Försök igen."; });
  }

  approve.disabled = false;
  approve.addEventListener("click", function () {
    text.textContent = "";
    open(panel);
    askChallenge();
  });
  cancel.addEventListener("click", close);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { close(); } });

  signButton.addEventListener("click", function () {
    if (!challenge) { return; }
    if (!window.behSigner || typeof window.behSigner.sign !== "function") {
      status.textContent = "Ingen signeringstjänst (t.ex. Net iD eller SITHS eID) hittades i webbläsaren.";
      return;
    }
    signButton.disabled = true;
    status.textContent = "Signerar… följ anvisningarna från din e-legitimation.";
    var c = challenge;
    Promise.resolve(window.behSigner.sign(b64ToBytes(c.tbs), { text: c.text, order: order }))
      .then(function (result) {
        var body = { challenge_id: c.challenge_id };
        if (result.cms) { body.cms = bytesToB64(result.cms); }
        else { body.signature = bytesToB64(result.signature); body.certificates = result.certificates; }
        return post("/api/v1/orders/" + order + "/attestation", body);
      })
      .then(function (r) {
        if (r.ok) {
          panel.hidden = true;
          approve.disabled = true;
          open(signed);
          return;
        }
        status.textContent = messages(r.body, "Signeringen misslyckades.") + " Försök igen.";
        // Every attempt uses up its challenge: fetch a new one for the next try.
        challenge = null;
        return askChallenge();
      }, function (err) {
        status.textContent = "Signeringen avbröts: " + (err && err.message ? err.message : err);
        signButton.disabled = false;
      });
  });
})();
