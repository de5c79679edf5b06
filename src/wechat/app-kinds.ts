// The two kinds of app the gateway serves and the two ways it gets their access_token. Every
// schema, table and type that names one takes it from here.

export const APP_TYPES = ["miniprogram", "officialaccount"] as const;
export type AppType = (typeof APP_TYPES)[number];

/** `stable`: /cgi-bin/stable_token (the default); `classic`: /cgi-bin/token, each call a new token. */
export const TOKEN_MODES = ["stable", "classic"] as const;
export type TokenMode = (typeof TOKEN_MODES)[number];
