// Staff answer finder: search approved answers, copy them, list unanswered questions.
// Every text from the server is rendered with textContent (never innerHTML).
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.status === 401) {
      window.location.assign("login");
      throw new Error("Session expirée : reconnectez-vous.");
    }
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    if (!response.ok) throw new Error((body && body.error) || "Erreur du serveur (" + response.status + ").");
    return body;
  }

  // Clipboard API when available, otherwise a temporary textarea and execCommand("copy").
  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch (error) {
        // fall through to the fallback
      }
    }
    const area = element("textarea", { readonly: "", "aria-hidden": "true" });
    area.value = text;
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    area.remove();
    return copied;
  }

  function answerBlock(result, language) {
    const french = language === "fr";
    const block = element("div", { class: "answer", lang: language });
    const head = element("div", { class: "answer-head" });
    head.appendChild(element("h4", {}, french ? "Français" : "English"));
    const button = element(
      "button",
      { type: "button", class: "copy", lang: "fr", "aria-label": "Copier le texte " + (french ? "français" : "anglais") + " de " + result.id },
      "Copier"
    );
    button.addEventListener("click", async () => {
      const copied = await copyText(result[language]);
      $("search-status").textContent = copied
        ? "Texte " + (french ? "français" : "anglais") + " copié."
        : "Copie impossible : sélectionnez le texte et copiez-le à la main.";
    });
    head.appendChild(button);
    block.appendChild(head);
    block.appendChild(element("p", {}, result[language]));
    return block;
  }

  function resultItem(result) {
    const item = element("li", { class: "result" });
    const label = result.label_fr || result.label_en || result.id;
    item.appendChild(element("h3", {}, label));
    const meta = element("p", { class: "meta" });
    meta.appendChild(document.createTextNode("Réponse "));
    meta.appendChild(element("code", {}, result.id));
    meta.appendChild(document.createTextNode(" · relue le " + result.reviewed + " · sources : "));
    result.sources.forEach((source, index) => {
      if (index > 0) meta.appendChild(document.createTextNode(" ; "));
      if (source.url && /^https?:\/\//.test(source.url)) {
        meta.appendChild(element("a", { href: source.url, rel: "noopener noreferrer", target: "_blank" }, source.title));
      } else {
        meta.appendChild(document.createTextNode(source.title));
      }
    });
    item.appendChild(meta);
    item.appendChild(answerBlock(result, "fr"));
    item.appendChild(answerBlock(result, "en"));
    return item;
  }

  async function search(event) {
    event.preventDefault();
    const query = $("q").value.trim();
    const list = $("results");
    const status = $("search-status");
    list.replaceChildren();
    if (!query) return;
    status.textContent = "Recherche…";
    try {
      const body = await getJson("api/lookup?" + new URLSearchParams({ q: query, limit: "5" }));
      body.results.forEach((result) => list.appendChild(resultItem(result)));
      let message = body.results.length
        ? body.results.length + " réponse(s) approuvée(s), la plus probable en premier."
        : "Aucune réponse approuvée ne correspond. Essayez d'autres mots.";
      if (body.model_error) message += " Modèle indisponible : recherche par mots-clés seulement.";
      status.textContent = message;
    } catch (error) {
      status.textContent = error.message;
    }
  }

  async function showUnanswered(event) {
    if (event) event.preventDefault();
    const days = $("days").value || "30";
    const status = $("unanswered-status");
    const table = $("unanswered-table");
    const body = $("unanswered-body");
    $("csv-link").setAttribute("href", "api/unanswered.csv?" + new URLSearchParams({ days: days }));
    status.textContent = "Chargement…";
    body.replaceChildren();
    try {
      const data = await getJson("api/unanswered?" + new URLSearchParams({ days: days }));
      data.questions.forEach((entry) => {
        const row = element("tr");
        row.appendChild(element("td", {}, entry.question));
        row.appendChild(element("td", { class: "number" }, String(entry.count)));
        row.appendChild(element("td", { class: "number" }, String(entry.thumbs_down)));
        row.appendChild(element("td", {}, entry.last_seen.replace("T", " ").replace("Z", "")));
        body.appendChild(row);
      });
      $("unanswered-caption").textContent = "Questions sans réponse ces " + days + " derniers jours";
      table.hidden = data.questions.length === 0;
      status.textContent = data.questions.length
        ? data.questions.length + " question(s) différente(s)."
        : "Aucune question sans réponse sur cette période.";
    } catch (error) {
      table.hidden = true;
      status.textContent = error.message;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("search-form").addEventListener("submit", search);
    $("unanswered-form").addEventListener("submit", showUnanswered);
    $("q").focus();
    showUnanswered();
  });
})();
