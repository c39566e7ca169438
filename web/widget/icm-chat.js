/*
 * ICM patient chat widget: one script tag, no dependency, no build step.
 *
 *   <script src="/widget/icm-chat.js" data-server-url="http://localhost:5005" data-lang="fr" defer></script>
 *
 * Talks to Rasa's REST channel (POST {server}/webhooks/rest/webhook). Every bot text is rendered with
 * text nodes, never as HTML. See web/README.md for the options.
 */
(function () {
  "use strict";

  if (window.__icmChatLoaded) return;
  window.__icmChatLoaded = true;

  var script = document.currentScript;
  var STORAGE_KEY = "icm-chat";
  var BOT_BUBBLE = "#eef2f5"; // keep in step with icm-chat.css
  var MAX_HISTORY = 200;
  var REQUEST_TIMEOUT_MS = 30000;
  // The payload that starts a session: the server answers with its own welcome (no client-side text).
  var SESSION_START = "/session_start";
  var LINK = /\b(?:https?:\/\/|mailto:|tel:)[^\s<>"]+/gi;
  var TRAILING_PUNCTUATION = /[.,;:!?»)\]'"]+$/;
  var LIST_ITEM = /^\s*(?:[•\-*]|\d+[.)])\s+/;
  var EN_WORDS = /\b(?:the|and|you|your|is|are|of|to|for|with|what|can|this|it|in|an|not|please)\b/gi;
  var FR_WORDS = /\b(?:le|la|les|et|vous|votre|est|sont|des|du|de|pour|avec|que|qui|un|une|ou|pas|je|en)\b/gi;

  var TEXTS = {
    fr: {
      title: "Assistant ICM",
      open: "Poser une question",
      close: "Fermer l'assistant",
      reset: "Nouvelle conversation",
      log: "Conversation avec l'assistant",
      you: "Vous :",
      bot: "Assistant :",
      input: "Votre message",
      placeholder: "Écrivez votre question…",
      send: "Envoyer",
      typing: "L'assistant écrit…",
      suggestions: "Réponses suggérées",
      error: "Le serveur ne répond pas. Vérifiez votre connexion, puis réessayez.",
      retry: "Réessayer",
      newTab: "(nouvel onglet)",
      privacy: function (days) {
        var kept = "Les conversations sont conservées " + days + " jours.";
        return "Ne partagez pas de détails médicaux. " + kept;
      },
    },
    en: {
      title: "ICM assistant",
      open: "Ask a question",
      close: "Close the assistant",
      reset: "New conversation",
      log: "Conversation with the assistant",
      you: "You:",
      bot: "Assistant:",
      input: "Your message",
      placeholder: "Type your question…",
      send: "Send",
      typing: "The assistant is typing…",
      suggestions: "Suggested replies",
      error: "The server is not answering. Check your connection, then try again.",
      retry: "Try again",
      newTab: "(new tab)",
      privacy: function (days) {
        return "Do not share medical details. Conversations are kept for " + days + " days.";
      },
    },
  };

  // --- Configuration: defaults < window.ICMChatConfig < data-* attributes of the script tag ---------

  function readConfig() {
    var given = window.ICMChatConfig || {};
    var data = (script && script.dataset) || {};
    var pick = function (attr, key, fallback) {
      return data[attr] || given[key] || fallback;
    };
    var lang = String(pick("lang", "lang", document.documentElement.lang || "fr")).slice(0, 2).toLowerCase();
    var days = parseInt(pick("retentionDays", "retentionDays", "90"), 10);
    return {
      serverUrl: String(pick("serverUrl", "serverUrl", "http://localhost:5005")).replace(/\/+$/, ""),
      lang: TEXTS[lang] ? lang : "fr",
      title: pick("title", "title", ""),
      color: pick("color", "color", "#005a8c"),
      retentionDays: days > 0 ? days : 90,
      cssUrl: pick("cssUrl", "cssUrl", script ? script.src.replace(/\.js(\?.*)?$/, ".css") : "icm-chat.css"),
    };
  }

  // --- Colours: pick the text colour with the better contrast on the accent colour -----------------

  /** "#rrggbb" for a "#rgb" or "#rrggbb" colour (the "#" optional), else null. */
  function hexColour(color) {
    var m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(color).trim());
    if (!m) return null;
    return "#" + (m[1].length === 3 ? m[1].replace(/(\w)/g, "$1$1") : m[1]).toLowerCase();
  }

  /** WCAG relative luminance of a "#rrggbb" colour. */
  function luminance(hex) {
    var rgb = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  }

  function contrast(a, b) {
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }

  function applyColours(host, given) {
    var color = hexColour(given);
    if (!color) return; // not a #rgb / #rrggbb colour: keep the stylesheet's default
    var lum = luminance(color);
    var DARK = "#1b1b1b";
    var onAccent = contrast(lum, 1) >= contrast(lum, luminance(DARK)) ? "#ffffff" : DARK;
    host.style.setProperty("--icm-accent", color);
    host.style.setProperty("--icm-on-accent", onAccent);
    // Accent used as text (links, outlined buttons) only when readable on the bot's bubble (4.5:1).
    host.style.setProperty("--icm-accent-ink", contrast(lum, luminance(BOT_BUBBLE)) >= 4.5 ? color : DARK);
  }

  // --- Storage: sender id and history in localStorage (in memory when storage is blocked) ----------

  var memory = null;

  function newSender() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return (
      "web-" +
      Array.prototype.map
        .call(bytes, function (b) {
          return ("0" + b.toString(16)).slice(-2);
        })
        .join("")
    );
  }

  function loadState(retentionDays) {
    var state = memory;
    try {
      state = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "null") || memory;
    } catch (e) {
      /* storage blocked or corrupt: start afresh */
    }
    var maxAge = retentionDays * 24 * 3600 * 1000;
    var valid = state && typeof state.sender === "string" && Array.isArray(state.history);
    if (!valid || !(Date.now() - state.savedAt <= maxAge)) {
      state = { sender: newSender(), history: [], savedAt: Date.now() };
    }
    return state;
  }

  function saveState(state) {
    state.history = state.history.slice(-MAX_HISTORY);
    state.savedAt = Date.now();
    memory = state;
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (e) {
      /* storage full or blocked: the conversation lasts until the page closes */
    }
  }

  // --- DOM helpers (text only) ---------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function button(className, label, onClick) {
    var node = el("button", className, label);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  function guessLang(text) {
    var en = (text.match(EN_WORDS) || []).length;
    var fr = (text.match(FR_WORDS) || []).length;
    if (en === fr) return null;
    return en > fr ? "en" : "fr";
  }

  function safeHref(raw) {
    try {
      var url = new URL(raw);
      return /^(https?|mailto|tel):$/.test(url.protocol) ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  /** Append `line` to `parent`: plain text, with http(s)/mailto/tel addresses as links (new tab). */
  function appendLine(parent, line, t) {
    var last = 0;
    line.replace(LINK, function (match, offset) {
      var address = match.replace(TRAILING_PUNCTUATION, "");
      var href = safeHref(address);
      if (!href) return match;
      parent.appendChild(document.createTextNode(line.slice(last, offset)));
      var link = el("a", "icm-link", address);
      link.href = href;
      if (/^https?:/.test(href)) {
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        link.appendChild(el("span", "icm-sr", " " + t.newTab));
      }
      parent.appendChild(link);
      last = offset + address.length;
      return match;
    });
    parent.appendChild(document.createTextNode(line.slice(last)));
  }

  /** Bot or user text as paragraphs and bullet lists ("• …", "- …", "1. …" lines), with links. */
  function renderText(text, t, uiLang) {
    var body = el("div", "icm-text");
    var list = null;
    text.split("\n").forEach(function (line) {
      if (!line.trim()) {
        list = null;
        return;
      }
      var item = LIST_ITEM.test(line);
      if (item && !list) {
        var number = /^\s*(\d+)/.exec(line);
        list = body.appendChild(el(number ? "ol" : "ul", "icm-list"));
        if (number) list.start = parseInt(number[1], 10); // a list continued from the previous message
      } else if (!item) {
        list = null;
      }
      var block = (list || body).appendChild(el(item ? "li" : "p"));
      appendLine(block, item ? line.replace(LIST_ITEM, "") : line, t);
      var lang = guessLang(line);
      if (lang && lang !== uiLang) block.lang = lang;
    });
    return body;
  }

  // --- The widget ---------------------------------------------------------------------------------

  function ChatWidget(config) {
    this.config = config;
    this.t = TEXTS[config.lang];
    this.state = loadState(config.retentionDays);
    this.busy = false;
    this.failed = null; // the message to resend with "Retry"
    this.build();
    this.state.history.forEach(this.render, this);
    this.showLatestButtons();
  }

  ChatWidget.prototype.build = function () {
    var t = this.t;
    var self = this;
    var host = el("div", "icm-chat-host");
    host.id = "icm-chat";
    applyColours(host, this.config.color);
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var sheet = el("link");
    sheet.rel = "stylesheet";
    sheet.href = this.config.cssUrl;
    var wrapper = el("div", "icm-chat");
    wrapper.lang = this.config.lang;
    wrapper.hidden = true; // until the stylesheet is there: no flash of an unstyled widget
    sheet.onload = sheet.onerror = function () {
      wrapper.hidden = false;
    };
    root.appendChild(sheet);
    root.appendChild(wrapper);

    this.launcher = button("icm-launcher", "", function () {
      self.open();
    });
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.setAttribute("aria-controls", "icm-panel");
    this.launcher.appendChild(el("span", "icm-launcher-icon")).setAttribute("aria-hidden", "true");
    this.launcher.appendChild(el("span", "icm-launcher-text", t.open));

    var panel = (this.panel = el("section", "icm-panel"));
    panel.id = "icm-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-labelledby", "icm-title");
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        self.close();
      }
    });

    var header = panel.appendChild(el("header", "icm-header"));
    header.appendChild(el("h2", "icm-title", this.config.title || t.title)).id = "icm-title";
    header.appendChild(button("icm-reset", t.reset, function () {
      self.reset();
    }));
    var closer = header.appendChild(button("icm-close", "", function () {
      self.close();
    }));
    closer.setAttribute("aria-label", t.close);
    closer.appendChild(el("span", "", "×")).setAttribute("aria-hidden", "true");

    panel.appendChild(el("p", "icm-privacy", t.privacy(this.config.retentionDays)));

    this.log = panel.appendChild(el("div", "icm-log"));
    this.log.setAttribute("role", "log");
    this.log.setAttribute("aria-live", "polite");
    this.log.setAttribute("aria-label", t.log);
    this.log.tabIndex = 0; // scrollable region: reachable with the keyboard

    this.typing = panel.appendChild(el("div", "icm-typing"));
    this.typing.setAttribute("role", "status");
    this.typing.appendChild(el("span", "icm-dots")).setAttribute("aria-hidden", "true");
    this.typingText = this.typing.appendChild(el("span", "icm-typing-text"));
    this.typing.hidden = true;

    this.error = panel.appendChild(el("div", "icm-error"));
    this.error.hidden = true;
    // The sentence is written into the alert when the error happens, so that it is announced.
    this.errorText = this.error.appendChild(el("p"));
    this.errorText.setAttribute("role", "alert");
    this.error.appendChild(button("icm-retry", t.retry, function () {
      self.retry();
    }));

    var form = panel.appendChild(el("form", "icm-form"));
    form.noValidate = true;
    var label = form.appendChild(el("label", "icm-sr", t.input));
    label.htmlFor = "icm-input";
    this.input = form.appendChild(el("input", "icm-input"));
    this.input.id = "icm-input";
    this.input.type = "text";
    this.input.autocomplete = "off";
    this.input.maxLength = 1000;
    this.input.placeholder = t.placeholder;
    var send = form.appendChild(el("button", "icm-send", t.send));
    send.type = "submit";
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = self.input.value.trim();
      if (!text || self.busy) return;
      self.input.value = "";
      self.say(text, text);
    });

    wrapper.appendChild(panel);
    wrapper.appendChild(this.launcher);
    document.body.appendChild(host);
  };

  ChatWidget.prototype.open = function () {
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    this.launcher.classList.add("icm-launcher-hidden");
    this.scrollToEnd();
    this.input.focus();
    if (!this.state.history.length && !this.busy && !this.failed) this.send(SESSION_START);
  };

  ChatWidget.prototype.close = function () {
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.classList.remove("icm-launcher-hidden");
    this.launcher.focus();
  };

  /** A new sender id: the server starts a fresh session and sends its welcome. */
  ChatWidget.prototype.reset = function () {
    this.state = { sender: newSender(), history: [], savedAt: Date.now() };
    saveState(this.state);
    this.failed = null;
    this.showError(false);
    this.log.textContent = "";
    this.input.focus();
    this.send(SESSION_START);
  };

  /** Show the user's words (`shown`) and send `payload` (the same text, or a button's payload). */
  ChatWidget.prototype.say = function (shown, payload) {
    this.clearButtons();
    this.add({ from: "user", text: shown });
    this.send(payload);
  };

  ChatWidget.prototype.retry = function () {
    var message = this.failed;
    this.showError(false);
    this.input.focus();
    if (message !== null) this.send(message);
  };

  ChatWidget.prototype.send = function (message) {
    var self = this;
    var sender = this.state.sender;
    this.busy = true;
    this.failed = null;
    this.showError(false);
    this.setTyping(true);
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () {
      if (controller) controller.abort();
    }, REQUEST_TIMEOUT_MS);
    fetch(this.config.serverUrl + "/webhooks/rest/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender, message: message }),
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (messages) {
        if (sender !== self.state.sender) return; // answer to a conversation the user has reset
        var previous = null;
        var firstNew = self.log.children.length;
        (Array.isArray(messages) ? messages : []).forEach(function (m) {
          // A fresh sender's "/session_start" gets the welcome twice (session start + the intent).
          var key = JSON.stringify([m.text, m.buttons]);
          if (key === previous) return;
          previous = key;
          var buttons = (Array.isArray(m.buttons) ? m.buttons : [])
            .filter(function (b) {
              return b && typeof b.title === "string" && typeof b.payload === "string";
            })
            .map(function (b) {
              return { title: b.title, payload: b.payload };
            });
          if (typeof m.text === "string" || buttons.length) {
            self.add({ from: "bot", text: typeof m.text === "string" ? m.text : "", buttons: buttons });
          }
        });
        self.showLatestButtons();
        self.scrollToStartOf(self.log.children[firstNew]);
      })
      .catch(function () {
        if (sender !== self.state.sender) return;
        self.failed = message;
        self.showError(true);
        self.scrollToEnd();
      })
      .then(function () {
        clearTimeout(timer);
        if (sender === self.state.sender) {
          self.busy = false;
          self.setTyping(false);
        }
      });
  };

  ChatWidget.prototype.showError = function (on) {
    this.error.hidden = !on;
    this.errorText.textContent = on ? this.t.error : "";
  };

  ChatWidget.prototype.setTyping = function (on) {
    this.typing.hidden = !on;
    this.typingText.textContent = on ? this.t.typing : "";
    if (on) this.scrollToEnd();
  };

  ChatWidget.prototype.add = function (message) {
    this.state.history.push(message);
    saveState(this.state);
    this.render(message);
    this.scrollToEnd();
  };

  ChatWidget.prototype.render = function (message) {
    var fromUser = message.from === "user";
    var bubble = el("div", "icm-message " + (fromUser ? "icm-user" : "icm-bot"));
    bubble.appendChild(el("span", "icm-sr", fromUser ? this.t.you : this.t.bot));
    if (message.text) bubble.appendChild(renderText(message.text, this.t, this.config.lang));
    if (!fromUser && !message.text) bubble.classList.add("icm-empty");
    bubble.buttons = message.buttons || [];
    this.log.appendChild(bubble);
  };

  /** Quick replies of the bot's latest turn (every message since the user last spoke). */
  ChatWidget.prototype.showLatestButtons = function () {
    var self = this;
    this.clearButtons();
    var bubbles = this.log.querySelectorAll(".icm-message");
    for (var i = bubbles.length - 1; i >= 0 && bubbles[i].classList.contains("icm-bot"); i--) {
      if (!bubbles[i].buttons.length) continue;
      var group = bubbles[i].appendChild(el("div", "icm-buttons"));
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", this.t.suggestions);
      bubbles[i].buttons.forEach(function (b) {
        group.appendChild(button("icm-quick", b.title, function () {
          if (self.busy) return;
          self.input.focus(); // the buttons go away: keep the focus in the panel
          self.say(b.title, b.payload);
        }));
      });
    }
  };

  ChatWidget.prototype.clearButtons = function () {
    Array.prototype.forEach.call(this.log.querySelectorAll(".icm-buttons"), function (g) {
      g.remove();
    });
  };

  ChatWidget.prototype.scrollToEnd = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  /** Show a long answer from its beginning (the browser stops at the end when it is short). */
  ChatWidget.prototype.scrollToStartOf = function (bubble) {
    if (bubble) this.log.scrollTop = bubble.offsetTop - 5; // half the gap between messages
  };

  function start() {
    window.ICMChat = new ChatWidget(readConfig());
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
