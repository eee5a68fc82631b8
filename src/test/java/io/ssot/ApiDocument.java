package io.ssot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.OpenApi31;
import io.vertx.core.MultiMap;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * The OpenAPI 3.1 document as the server serves it, and the check of one real exchange against
 * it: the operation of the method and path, each query parameter, the status, the media type, the
 * body against its schema (networknt json-schema-validator, OpenAPI 3.1 dialect, references
 * resolved within the document) and the headers (required ones present, each present one valid,
 * and none of the protocol's headers sent that the response does not document).
 */
final class ApiDocument {

  /** Where the document is registered for resolving its references; never fetched. */
  private static final String BASE = "https://ssot.invalid/openapi.json";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** Headers the server sends that a response must document when it sends them. */
  static final Set<String> PROTOCOL_HEADERS = Set.of("x-ssot-revision", "etag", "retry-after", "allow",
      "www-authenticate", "x-request-id", "content-encoding", "cache-control", "set-cookie");

  private final JsonNode root;
  private final SchemaRegistry registry;

  ApiDocument(String json) throws IOException {
    this.root = MAPPER.readTree(json);
    this.registry = SchemaRegistry.withDefaultDialect(OpenApi31.getInstance(), builder -> builder
        .schemaLoader(loader -> loader.fetchRemoteResources(false)
            .resourceLoaders(resources -> resources.resources(Map.of(BASE, json)))));
  }

  JsonNode root() {
    return root;
  }

  /** The document's path template that {@code path} falls under, or null. */
  String template(String path) {
    for (Iterator<String> it = root.get("paths").fieldNames(); it.hasNext(); ) {
      String template = it.next();
      if (pattern(template).matcher(path).matches()) {
        return template;
      }
    }
    return null;
  }

  /** A template as a pattern: its last parameter takes the rest of the path ('/' included), as keys do. */
  private static Pattern pattern(String template) {
    StringBuilder regex = new StringBuilder();
    Matcher m = Pattern.compile("\\{[^}]+}").matcher(template);
    int at = 0;
    while (m.find()) {
      regex.append(Pattern.quote(template.substring(at, m.start())));
      regex.append(m.end() == template.length() ? ".+" : "[^/]+");
      at = m.end();
    }
    regex.append(Pattern.quote(template.substring(at)));
    return Pattern.compile(regex.toString());
  }

  /** The operation object of a method and path template, or null. */
  JsonNode operation(String template, String method) {
    JsonNode item = root.get("paths").get(template);
    return item == null ? null : item.get(method.toLowerCase(Locale.ROOT));
  }

  /**
   * What is wrong with one exchange, as the document describes it; empty when it conforms.
   *
   * @param uri the request's path and query, as sent
   */
  List<String> check(String method, String uri, int status, MultiMap headers, byte[] body) {
    List<String> wrong = new ArrayList<>();
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    String template = template(path);
    JsonNode op = template == null ? null : operation(template, method);
    if (op == null) {
      // What no operation answers, as the document's description says: an unknown path is 404,
      // a method a path does not take is 405.
      String answer = template == null ? "Problem404" : "Problem405";
      if (status != (template == null ? 404 : 405)) {
        wrong.add("no operation " + method + " " + path + " in the document, yet " + status);
        return wrong;
      }
      op = MAPPER.createObjectNode().set("responses", MAPPER.createObjectNode()
          .set(Integer.toString(status), root.at("/components/responses/" + answer)));
      template = template == null ? path : template;
    }
    String where = method + " " + template + " -> " + status + ": ";
    if (q >= 0) {
      Set<String> documented = parameterNames(template, op, "query");
      for (String pair : uri.substring(q + 1).split("&")) {
        String name = URLDecoder.decode(pair.split("=", 2)[0], StandardCharsets.UTF_8);
        if (!documented.contains(name)) {
          wrong.add(where + "query parameter '" + name + "' is not documented");
        }
      }
    }
    JsonNode response = resolve(op.path("responses").get(Integer.toString(status)));
    if (response == null) {
      wrong.add(where + "status not documented");
      return wrong;
    }
    String pointer = pointerOf(response);
    checkHeaders(where, response, headers, wrong);
    JsonNode content = response.get("content");
    String contentType = headers.get("Content-Type");
    boolean hasBody = body != null && body.length > 0;
    if (content == null) {
      if (hasBody) {
        wrong.add(where + "a body where the document has none: " + new String(body, StandardCharsets.UTF_8));
      }
      return wrong;
    }
    if (contentType == null || !hasBody) {
      wrong.add(where + "no body (or no Content-Type) where the document has " + content.fieldNames().next());
      return wrong;
    }
    if ("gzip".equalsIgnoreCase(headers.get("Content-Encoding"))) {
      try {
        body = new GZIPInputStream(new ByteArrayInputStream(body)).readAllBytes();
      } catch (IOException e) {
        wrong.add(where + "Content-Encoding: gzip, but the body is not gzip: " + e.getMessage());
        return wrong;
      }
    } else if (headers.get("Content-Encoding") != null) {
      return wrong; // another coding (br): its header is checked, its body cannot be read here
    }
    String mediaType = mediaType(content, contentType);
    if (mediaType == null) {
      wrong.add(where + "Content-Type " + contentType + " is not documented");
      return wrong;
    }
    String schemaPointer = pointer + "/content/" + escape(mediaType) + "/schema";
    JsonNode instance;
    String base = mediaType.split(";")[0].trim();
    if (base.equals("application/json") || base.endsWith("+json")) {
      try {
        instance = MAPPER.readTree(body);
      } catch (IOException e) {
        wrong.add(where + "the body is not JSON: " + e.getMessage());
        return wrong;
      }
    } else {
      // Text answers (SSE, YAML, properties, Prometheus) are documented as strings; the SSE
      // events' data is checked against its own schema by the test.
      return wrong;
    }
    for (String error : validate(schemaPointer, instance)) {
      wrong.add(where + error + " in " + abbreviated(body));
    }
    return wrong;
  }

  /** The violations of {@code instance} against the schema at a JSON pointer of the document. */
  List<String> validate(String schemaPointer, JsonNode instance) {
    Schema schema = registry.getSchema(SchemaLocation.of(BASE + "#" + schemaPointer));
    List<String> out = new ArrayList<>();
    for (Error e : schema.validate(instance)) {
      out.add(e.getInstanceLocation() + " " + e.getMessage());
    }
    return out;
  }

  private void checkHeaders(String where, JsonNode response, MultiMap headers, List<String> wrong) {
    JsonNode documented = response.path("headers");
    for (Iterator<Map.Entry<String, JsonNode>> it = documented.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> h = it.next();
      JsonNode header = resolve(h.getValue());
      String value = headers.get(h.getKey());
      if (value == null) {
        if (header.path("required").asBoolean()) {
          wrong.add(where + "required header " + h.getKey() + " is missing");
        }
        continue;
      }
      JsonNode schema = header.get("schema");
      JsonNode instance = JsonNodeFactory.instance.textNode(value);
      if ("integer".equals(resolve(schema).path("type").asText()) && value.matches("-?[0-9]+")) {
        instance = JsonNodeFactory.instance.numberNode(Long.parseLong(value));
      }
      for (String error : validate(pointerOf(header) + "/schema", instance)) {
        wrong.add(where + "header " + h.getKey() + ": " + value + ": " + error);
      }
    }
    for (String name : headers.names()) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (PROTOCOL_HEADERS.contains(lower) && !hasField(documented, lower)) {
        wrong.add(where + "header " + name + " is sent but not documented");
      }
    }
  }

  private static boolean hasField(JsonNode object, String lowerName) {
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      if (it.next().equalsIgnoreCase(lowerName)) {
        return true;
      }
    }
    return false;
  }

  /** The documented media type of a Content-Type: the same string, else the same type and subtype. */
  private static String mediaType(JsonNode content, String contentType) {
    String normalised = contentType.replace(" ", "").toLowerCase(Locale.ROOT);
    String bare = normalised.split(";")[0];
    String loose = null;
    for (Iterator<String> it = content.fieldNames(); it.hasNext(); ) {
      String documented = it.next();
      String d = documented.replace(" ", "").toLowerCase(Locale.ROOT);
      if (d.equals(normalised)) {
        return documented;
      }
      if (d.split(";")[0].equals(bare) && loose == null) {
        loose = documented;
      }
    }
    return loose;
  }

  /** The names of the parameters an operation (and its path item) takes in {@code in}. */
  Set<String> parameterNames(String template, JsonNode op, String in) {
    Set<String> names = new java.util.HashSet<>();
    List<JsonNode> all = new ArrayList<>();
    root.get("paths").path(template).path("parameters").forEach(all::add);
    op.path("parameters").forEach(all::add);
    for (JsonNode p : all) {
      JsonNode parameter = resolve(p);
      if (in.equals(parameter.path("in").asText())) {
        names.add(parameter.get("name").asText());
      }
    }
    return names;
  }

  /** A node with its $ref followed (within the document); null stays null. */
  JsonNode resolve(JsonNode node) {
    while (node != null && node.has("$ref")) {
      node = root.at(node.get("$ref").asText().substring(1));
    }
    return node;
  }

  /** The JSON pointer of a node of the document (found by identity). */
  private String pointerOf(JsonNode target) {
    String found = find(root, "", target);
    if (found == null) {
      throw new IllegalStateException("not a node of the document");
    }
    return found;
  }

  private static String find(JsonNode node, String pointer, JsonNode target) {
    if (node == target) {
      return pointer;
    }
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String found = find(e.getValue(), pointer + "/" + escape(e.getKey()), target);
        if (found != null) {
          return found;
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        String found = find(node.get(i), pointer + "/" + i, target);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  private static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }

  private static String abbreviated(byte[] body) {
    String s = new String(body, StandardCharsets.UTF_8);
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }
}
