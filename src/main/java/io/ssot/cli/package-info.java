/**
 * The {@code ssot} command-line client ({@code java -jar ssot.jar cli ...}, {@code bin/ssot}): keys,
 * watches, history, transactions, tokens, schemas, cluster status, and the diff and apply of a
 * directory of JSON/YAML files against a prefix. {@link io.ssot.cli.Cli} is the root command and
 * maps every failure to an exit code by its problem class ({@link io.ssot.cli.ExitCodes}).
 *
 * <p>Layer: a user of the server like any other. It calls the server only through the client
 * library ({@code io.ssot.client}) and may import {@code io.ssot.protocol}, never a package of the
 * server (LayersTest checks it), so that what it does, any client can do.
 *
 * <p>Threads: commands run on the main thread and block on the client's calls; a watch's events
 * arrive on the client's watch thread, which only prints them.
 */
package io.ssot.cli;
