/**
 * The Java client of the SSOT data plane: {@link io.ssot.client.SsotClient} for the v1 API
 * (get, put, delete, txn, list, history, watch) with fail-over between endpoints, and
 * {@link io.ssot.client.ConfigView}, a near cache of a prefix fed by one watch, whose reads are
 * map lookups in the service's memory. Built on the JDK's {@code java.net.http} and Jackson.
 */
package io.ssot.client;
