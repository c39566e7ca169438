// The other way to configure the widget: an object set before its script tag. serve.py writes the
// Rasa server's address in place of the placeholder.
window.ICMChatConfig = {
  serverUrl: "__RASA_PUBLIC_URL__",
  lang: "en",
  title: "ICM assistant",
  color: "#f5b700", // a light colour: the widget picks dark text for it
  retentionDays: 30,
};
