/**
 * The agenda context's public entry: what other contexts may use (nothing yet; reminders will read
 * appointments through here).
 */
export {};
