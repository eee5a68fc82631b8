package io.ssot.schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.dialect.DialectId;
import com.networknt.schema.path.PathType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON Schema draft 2020-12 through networknt's json-schema-validator, set up for schemas that
 * come from clients: nothing is ever fetched (no remote or file {@code $ref}: a schema is one
 * self-contained document, with {@code $defs} for reuse), each schema is compiled in a registry of
 * its own (so one schema's {@code $id} cannot shadow another's or the meta-schema), and every
 * validation has a step and depth budget, so that a recursive or explosive schema ends in a
 * clear answer instead of a hung event loop or a stack overflow ({@link EvaluationBudget}).
 */
public final class JsonSchemas {

  /** Budget of one validation: a 1 MiB value against a plain schema needs well under this. */
  static final long MAX_EVALUATION_STEPS = 2_000_000;
  /**
   * Longest evaluation path (keywords, branches, items, properties): a schema recursing with a
   * value as deep as {@code limits.maxJsonDepth} needs two to five segments a level, and a path
   * this long takes under 384 KiB of stack (a reference cycle, interpreted), well inside a
   * thread's default.
   */
  static final int MAX_EVALUATION_DEPTH = 512;
  private static final int MAX_REPORTED = 50;
  private static final String META_SCHEMAS = "https://json-schema.org/draft/2020-12/";

  /**
   * Built on first use: the JSON Schema library and its Jackson load about 800 classes, a tenth
   * of a start, which a store without schemas never needs.
   */
  private static final class Engine {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  /** A compiled schema and the document it came from. */
  public record Compiled(String prefix, Schema schema) {
  }

  /**
   * Compiles {@code json} (already checked to be JSON) as the schema of {@code prefix}.
   *
   * @throws InvalidSchema when it is not a draft 2020-12 schema this server can use
   */
  public Compiled compile(String prefix, byte[] json) {
    JsonNode node = parse(json);
    if (!node.isObject() && !node.isBoolean()) {
      throw new InvalidSchema("a JSON Schema is an object or a boolean", List.of());
    }
    JsonNode dialect = node.get("$schema");
    if (dialect != null && !DialectId.DRAFT_2020_12.equals(dialect.asText())) {
      throw new InvalidSchema("only draft 2020-12 schemas are accepted; omit $schema or set it to "
          + DialectId.DRAFT_2020_12, List.of());
    }
    try {
      SchemaRegistry registry = newRegistry();
      Schema meta = registry.getSchema(SchemaLocation.of(DialectId.DRAFT_2020_12));
      List<Violation> problems = check(meta, prefix, node);
      if (!problems.isEmpty()) {
        throw new InvalidSchema("the document is not a valid draft 2020-12 schema", problems);
      }
      Schema schema = registry.getSchema(node);
      // Resolves every $ref now, so that a reference to nothing is refused here, not at a write.
      schema.initializeValidators();
      return new Compiled(prefix, schema);
    } catch (InvalidSchema e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      // The library's way of saying the document cannot be compiled: an unresolvable or remote
      // $ref, an invalid pattern, a reference cycle it cannot build.
      throw new InvalidSchema("the schema cannot be compiled: " + describe(e), List.of());
    }
  }

  /** The ways {@code value} (JSON) breaks {@code compiled}; empty when it satisfies it. */
  public List<Violation> violations(Compiled compiled, JsonNode value) {
    try {
      return check(compiled.schema(), compiled.prefix(), value);
    } catch (EvaluationBudget.Exceeded e) {
      return List.of(new Violation(compiled.prefix(), "", "the value needs more than the validation budget ("
          + MAX_EVALUATION_STEPS + " steps, depth " + MAX_EVALUATION_DEPTH + ") to check against this schema"));
    } catch (RuntimeException | StackOverflowError e) {
      return List.of(new Violation(compiled.prefix(), "", "the value cannot be checked against this schema: "
          + describe(e)));
    }
  }

  /** Parses a value already checked to be JSON (depth and size are bounded by then). */
  public JsonNode parse(byte[] json) {
    try {
      return Engine.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
  }

  private List<Violation> check(Schema schema, String prefix, JsonNode instance) {
    EvaluationBudget ctx = new EvaluationBudget(MAX_EVALUATION_STEPS, MAX_EVALUATION_DEPTH);
    schema.validate(ctx, instance);
    List<Error> errors = ctx.getErrors();
    List<Violation> out = new ArrayList<>(Math.min(errors.size(), MAX_REPORTED));
    for (Error e : errors) {
      if (out.size() == MAX_REPORTED) {
        break;
      }
      out.add(new Violation(prefix, e.getInstanceLocation().toString(), e.getMessage()));
    }
    return out;
  }

  private static SchemaRegistry newRegistry() {
    return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12, builder -> builder
        .schemaRegistryConfig(SchemaRegistryConfig.builder().pathType(PathType.JSON_POINTER).build())
        .schemaLoader(loader -> loader.fetchRemoteResources(false)
            // Only the draft 2020-12 meta-schemas (bundled with the library) may be loaded; no
            // classpath:, file: or other references reach a resource of the server.
            .block(iri -> !iri.toString().startsWith(META_SCHEMAS))));
  }

  private static String describe(Throwable e) {
    String message = e instanceof StackOverflowError ? "its references nest too deeply" : e.getMessage();
    if (message == null || message.isBlank()) {
      message = e.getClass().getSimpleName();
    }
    return message.length() > 300 ? message.substring(0, 300) + "..." : message;
  }
}
