// The sign-in form: an admin key (sent as x-functions-key) or a bearer token with the admin role (Authorization),
// kept in this tab's sessionStorage only.
import { useState } from "preact/hooks";
import { html } from "./html.js";
import { saveCredentials } from "./api.js";

export function Login({ message, onDone }) {
  const [kind, setKind] = useState("key");
  const [value, setValue] = useState("");
  const submit = (event) => {
    event.preventDefault();
    if (value.trim() === "") return;
    saveCredentials(kind, value.trim());
    setValue("");
    onDone();
  };
  return html`
    <main class="login">
      <form class="card" onSubmit=${submit} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to the Taskhub dashboard</h1>
        <p>
          This host requires credentials: an admin key (<code>taskhub keys create --admin</code>) or a bearer
          token with the admin role.
        </p>
        ${message && html`<p class="error" role="alert">${message}</p>`}
        <fieldset>
          <legend>Credential</legend>
          <label class="inline">
            <input type="radio" name="kind" value="key" checked=${kind === "key"} onChange=${() => setKind("key")} />
            Admin key
          </label>
          <label class="inline">
            <input type="radio" name="kind" value="token" checked=${kind === "token"} onChange=${() => setKind("token")} />
            Bearer token (JWT)
          </label>
        </fieldset>
        <label for="credential">${kind === "key" ? "Admin key" : "Bearer token"}</label>
        <input
          id="credential"
          name="credential"
          type="password"
          autocomplete="off"
          required
          value=${value}
          onInput=${(e) => setValue(e.currentTarget.value)}
        />
        <p class="hint">Kept in this tab's session storage only, sent as a request header, never in a URL.</p>
        <button type="submit" class="primary">Sign in</button>
      </form>
    </main>
  `;
}
