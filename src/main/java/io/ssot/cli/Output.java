package io.ssot.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a command's answer goes (stdout), in the format asked: {@code table} for people, {@code json}
 * for programs (one document; a watch writes one per line), {@code raw} for values alone.
 */
final class Output {

  enum Format { table, json, raw }

  static final ObjectMapper MAPPER = new ObjectMapper();
  private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  final Format format;
  private final PrintStream out;

  Output(Format format) {
    this.format = format;
    this.out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
  }

  void line(String text) {
    out.println(text);
  }

  void bytes(byte[] b) {
    out.write(b, 0, b.length);
    out.println();
  }

  /** The document, indented. */
  void json(Object document) {
    try {
      out.println(PRETTY.writeValueAsString(document));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The document on one line (a watch's events, one per line). */
  static String compact(Object document) {
    try {
      return MAPPER.writeValueAsString(document);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A value as one line of JSON; empty for none. */
  static String value(JsonNode value) {
    return value == null ? "" : compact(value);
  }

  /** Rows under a header, each column as wide as its widest cell (the last one left as it is). */
  void table(List<String> header, List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    int[] width = new int[header.size()];
    for (List<String> row : all) {
      for (int i = 0; i < row.size() - 1; i++) {
        width[i] = Math.max(width[i], row.get(i) == null ? 0 : row.get(i).length());
      }
    }
    for (List<String> row : all) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        String cell = row.get(i) == null ? "" : row.get(i);
        b.append(i < row.size() - 1 ? String.format("%-" + width[i] + "s  ", cell) : cell);
      }
      out.println(b.toString().stripTrailing());
    }
  }
}
