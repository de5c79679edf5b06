// What a freshly registered app has published, until a test says otherwise (PUT /__sim/apps/{appid}):
// its pages, its message templates and the words content security flags.

/** Pages of the app's live version; the first is the home page. */
export const DEFAULT_PAGES: readonly string[] = [
  "pages/index/index",
  "pages/login/login",
  "pages/order/detail",
];

/**
 * Template id -> the keys its data must fill. A key's placeholder type is its name without the
 * trailing number ("character_string2" is a character_string), as in WeChat's template editor.
 * tmpl-order-shipped is a mini-program subscribe template; tmpl-oa-notice an official-account
 * one-time subscribe template, whose data is always {content: {value}}.
 */
export const DEFAULT_TEMPLATES: Readonly<Record<string, readonly string[]>> = {
  "tmpl-order-shipped": ["thing1", "character_string2", "time3"],
  "tmpl-oa-notice": ["content"],
};

/** Obviously-test words msg_sec_check flags as risky (v1 answers 87014 for them). */
export const DEFAULT_RISKY_WORDS: readonly string[] = ["赌博", "代开发票", "risky-test", "fraud-test"];

/** Risky words that are labelled fraud (20008) rather than illegal/crime (20006). */
export const FRAUD_WORDS: ReadonlySet<string> = new Set(["代开发票", "刷单", "fraud-test"]);

/** Content with this word gets "review" (label 21000, "other") instead of pass. */
export const REVIEW_WORD = "review-test";
