/**
 * The web console at {@code /ui}: its files (HTML, CSS and JavaScript modules shipped in the jar,
 * no build step, nothing from elsewhere), the browser's login and logout ({@code /ui/session}),
 * and the overview figures ({@code /ui/api/overview}). Everything else the console shows it reads
 * from the {@code /v1} API, with the session cookie that
 * {@link io.ssot.security.ConsoleSessions} describes.
 *
 * <p>Layer: above {@code ops}, below {@code io.ssot}. May import every package below it.
 *
 * <p>Threads: the files are read once at start-up (on the starting thread); routes run on event
 * loops and only read state.
 */
package io.ssot.console;
