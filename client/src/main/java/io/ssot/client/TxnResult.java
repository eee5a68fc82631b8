package io.ssot.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The outcome of a {@link Txn}: which branch ran, its revision (the store revision when nothing
 * was written), and one result per op run: put {@code {key,revision}}, delete
 * {@code {key,revision,deleted}}, get the entry or {@code {key,found:false}}.
 */
public record TxnResult(boolean succeeded, long revision, List<JsonNode> results) {
}
