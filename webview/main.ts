// Webview entry point (browser bundle). Imports only src/shared.
export {};
