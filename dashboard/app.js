// The Taskhub dashboard: instances, one instance (history table and timeline), entities, stats and actions.
import { render } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { html } from "./html.js";
import { clearCredentials, countInstances, credentials, onUnauthorized } from "./api.js";
import { useRoute } from "./router.js";
import { Login } from "./login.js";
import { InstancesPage } from "./instances.js";
import { InstancePage } from "./instance.js";
import { EntitiesPage } from "./entities.js";
import { StatsPage } from "./stats.js";

const PAGES = [
  ["instances", "Instances"],
  ["entities", "Entities"],
  ["stats", "Stats"],
];

function App() {
  const route = useRoute();
  // "checking" until the host answered once; "login" when it asks for credentials; "ready" otherwise.
  const [auth, setAuth] = useState("checking");
  const [loginMessage, setLoginMessage] = useState("");

  const check = useCallback(async () => {
    try {
      await countInstances({ status: "Running" });
      setAuth("ready");
    } catch (error) {
      if (error.status === 401 || error.status === 403) {
        setLoginMessage(credentials() ? error.message : "");
        setAuth("login");
      } else setAuth("ready"); // another error: the pages show it
    }
  }, []);
  useEffect(() => {
    check();
    return onUnauthorized(() => setAuth("login"));
  }, [check]);

  if (auth === "checking") return html`<p class="loading">Connecting to the host…</p>`;
  if (auth === "login") return html`<${Login} message=${loginMessage} onDone=${check} />`;
  const page = route.page === "instance" ? "instances" : route.page;
  return html`
    <header class="top">
      <a class="brand" href="#/instances">Taskhub</a>
      <nav aria-label="Main">
        ${PAGES.map(
          ([name, label]) =>
            html`<a href=${`#/${name}`} aria-current=${page === name ? "page" : undefined}>${label}</a>`,
        )}
      </nav>
      ${
        credentials() &&
        html`<button
          type="button"
          class="link"
          onClick=${() => {
            clearCredentials();
            setAuth("login");
          }}
        >
          Sign out
        </button>`
      }
    </header>
    <main id="main">
      ${
        route.page === "instance" && route.id !== undefined
          ? html`<${InstancePage} key=${route.id} id=${route.id} />`
          : route.page === "entities"
            ? html`<${EntitiesPage} params=${route.params} />`
            : route.page === "stats"
              ? html`<${StatsPage} params=${route.params} />`
              : html`<${InstancesPage} params=${route.params} />`
      }
    </main>
  `;
}

render(html`<${App} />`, document.getElementById("app"));
