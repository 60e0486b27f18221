// Hash routing: #/instances?status=Failed, #/instance/<id>, #/entities, #/stats. Filters live in the hash, so a view
// can be bookmarked and the back button works; credentials never do.
import { useEffect, useState } from "preact/hooks";

/** The current route: { page, id, params }. */
export function parseHash(hash = location.hash) {
  const text = hash.replace(/^#\/?/, "");
  const [path, search = ""] = text.split("?");
  const [page = "instances", ...rest] = path.split("/");
  const id = rest.length > 0 ? decodeURIComponent(rest.join("/")) : undefined;
  return { page: page || "instances", id, params: Object.fromEntries(new URLSearchParams(search)) };
}

/** The hash of a route. */
export function href(page, id, params = {}) {
  const search = new URLSearchParams(
    Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ""),
  ).toString();
  return `#/${page}${id !== undefined ? `/${encodeURIComponent(id)}` : ""}${search ? `?${search}` : ""}`;
}

/** Navigates (replacing the entry when `replace`, for filter edits). */
export function navigate(hash, replace = false) {
  if (replace) history.replaceState(null, "", hash);
  else location.hash = hash;
  if (replace) window.dispatchEvent(new HashChangeEvent("hashchange"));
}

/** The route, updated on hash changes. */
export function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const update = () => setRoute(parseHash());
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return route;
}

/** Calls `fn` every `ms` while `active` (and the tab is visible). */
export function useInterval(fn, ms, active) {
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") fn();
    }, ms);
    return () => clearInterval(timer);
  }, [fn, ms, active]);
}
