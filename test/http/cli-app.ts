/**
 * The app module `taskhub start` loads in the CLI tests.
 */
import { makeTestApp } from "./http-test-host.js";

export default makeTestApp().app;
