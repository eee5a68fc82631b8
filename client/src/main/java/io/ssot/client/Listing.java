package io.ssot.client;

import java.util.List;

/**
 * Every entry under a prefix, sorted by key, read page by page.
 *
 * @param revision the store revision when the first page was read: a watch from revision + 1
 *                 sees every change the listing may have missed
 */
public record Listing(long revision, List<Entry> entries) {
}
