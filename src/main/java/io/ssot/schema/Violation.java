package io.ssot.schema;

/**
 * One way a value breaks a schema.
 *
 * @param prefix           the schema's prefix
 * @param instanceLocation where in the value, as a JSON Pointer ({@code ""} is the whole value)
 * @param message          what is wrong there
 */
public record Violation(String prefix, String instanceLocation, String message) {
}
