// The floor for every gateway call that reaches WeChat (`npm run bench`): the cheapest Worker that
// does the same job. It puts a fixed access_token on the query, fetches the WeChat base URL + the
// path with the caller's method, headers and body, and returns the answer unchanged. No auth, no
// storage, no token lookup, no checks; never deploy it.

type BareEnv = {
  /** The WeChat base URL (the bench's simulator). */
  WECHAT_API_BASE: string;
  /** A token the simulator issued, handed over by the bench with --var. */
  ACCESS_TOKEN: string;
};

export default {
  fetch(request, env) {
    const url = new URL(request.url);
    url.searchParams.set("access_token", env.ACCESS_TOKEN);
    return fetch(`${env.WECHAT_API_BASE}${url.pathname}${url.search}`, request);
  },
} satisfies ExportedHandler<BareEnv>;
