// POST /wxa/msg_sec_check: text content security (WECHAT.md §13). Version 2 answers a verdict
// (pass / review / risky) with errcode 0 even for risky text; any other version behaves like the
// legacy v1, which answers 87014 for risky text. "Risky" means containing one of the app's
// riskyWords; "review" means containing "review-test".

import { authenticateAccessToken } from "./access-token.ts";
import type { SimulatedApp } from "./app.ts";
import { FRAUD_WORDS, REVIEW_WORD } from "./demo-content.ts";
import { SEC_CHECK_CONTENT_MAX_LENGTH } from "./limits.ts";
import { characterCount, type JsonFields, parseJsonBody, type WeChatCall } from "./request.ts";
import { newRid, WECHAT_ERRORS, wechatError, wechatOk } from "./responses.ts";
import type { SimulatorState } from "./state.ts";

/** Labels from the doc's table: 100 normal, 20006 illegal/crime, 20008 fraud, 21000 other. */
const LABEL_NORMAL = 100;
const LABEL_ILLEGAL = 20006;
const LABEL_FRAUD = 20008;
const LABEL_OTHER = 21000;

/** The model's confidence, 0..100: sure about risky and pass, unsure about review. */
const PROB_SURE = 90;
const PROB_UNSURE = 60;

/** Scenes: 1 profile, 2 comment, 3 forum, 4 social log. */
const SCENES: readonly unknown[] = [1, 2, 3, 4];

type Suggest = "pass" | "review" | "risky";

interface Verdict {
  suggest: Suggest;
  label: number;
  prob: number;
  keyword: string | null;
}

function judge(app: SimulatedApp, content: string): Verdict {
  const keyword = app.settings.riskyWords.find((word) => word !== "" && content.includes(word));
  if (keyword !== undefined) {
    const label = FRAUD_WORDS.has(keyword) ? LABEL_FRAUD : LABEL_ILLEGAL;
    return { suggest: "risky", label, prob: PROB_SURE, keyword };
  }
  if (content.includes(REVIEW_WORD))
    return { suggest: "review", label: LABEL_OTHER, prob: PROB_UNSURE, keyword: null };
  return { suggest: "pass", label: LABEL_NORMAL, prob: PROB_SURE, keyword: null };
}

function isVersion2(fields: JsonFields): boolean {
  return fields.version === 2 || fields.version === "2";
}

export function msgSecCheck(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "POST") return wechatError(WECHAT_ERRORS.requirePost);
  const auth = authenticateAccessToken(state, call.query);
  if (!auth.ok) return auth.error;
  const body = parseJsonBody(call.bodyText);
  if (!body.ok) return body.error;
  const app = auth.app;
  const fields = body.fields;
  const content = fields.content;
  if (typeof content !== "string") return wechatError(WECHAT_ERRORS.dataFormatError);

  if (!isVersion2(fields)) {
    return judge(app, content).suggest === "risky" ? wechatError(WECHAT_ERRORS.riskyContent) : wechatOk();
  }

  if (characterCount(content) > SEC_CHECK_CONTENT_MAX_LENGTH)
    return wechatError(WECHAT_ERRORS.dataFormatError);
  if (!SCENES.includes(fields.scene)) return wechatError(WECHAT_ERRORS.invalidScene);
  const openid = fields.openid;
  if (typeof openid !== "string" || !app.users.get(openid)) return wechatError(WECHAT_ERRORS.invalidOpenid);

  const verdict = judge(app, content);
  const keywordHit = verdict.keyword !== null;
  return wechatOk({
    result: { suggest: verdict.suggest, label: verdict.label },
    detail: [
      {
        strategy: "content_model",
        errcode: 0,
        suggest: verdict.suggest,
        label: verdict.label,
        prob: verdict.prob,
      },
      {
        strategy: "keyword",
        errcode: 0,
        suggest: keywordHit ? "risky" : "pass",
        label: keywordHit ? verdict.label : LABEL_NORMAL,
        ...(keywordHit ? { keyword: verdict.keyword } : {}),
      },
    ],
    trace_id: newRid(),
  });
}
