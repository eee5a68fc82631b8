package io.ssot.security;

import io.ssot.store.Keys;
import io.vertx.core.http.HttpServerRequest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Mutual TLS: the client certificate the TLS handshake verified (against {@code tls.clientCa})
 * names its principal by its subject's common name, with the roles {@code tls.clientRoles}
 * gives that name. A verified certificate whose name has no roles authenticates, but is
 * allowed nothing (403).
 */
public final class ClientCertificates {

  private final Map<String, List<Grant>> roles;

  private ClientCertificates(Map<String, List<Grant>> roles) {
    this.roles = roles;
  }

  /**
   * Parses {@code tls.clientRoles}: {@code name=role:prefix,role:prefix;name=...}, for example
   * {@code payments-svc=read:payments/,write:payments/dev/;ops=admin:}.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static ClientCertificates parse(String setting) {
    Map<String, List<Grant>> roles = new HashMap<>();
    for (String entry : setting.split(";")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw invalid(entry, "expected name=role:prefix[,role:prefix...]");
      }
      String name = entry.substring(0, eq).trim();
      List<Grant> grants = new ArrayList<>();
      for (String grant : entry.substring(eq + 1).split(",")) {
        int colon = grant.indexOf(':');
        Role role = colon < 0 ? null : Role.parse(grant.substring(0, colon).trim());
        if (role == null) {
          throw invalid(entry, "each grant is role:prefix with role read, write or admin");
        }
        String prefix = grant.substring(colon + 1).trim();
        String problem = Keys.prefixProblem(prefix);
        if (problem != null) {
          throw invalid(entry, problem);
        }
        grants.add(new Grant(role, prefix));
      }
      if (roles.put(name, List.copyOf(grants)) != null) {
        throw invalid(entry, "the name " + name + " is given twice");
      }
    }
    return new ClientCertificates(roles);
  }

  /** The principal of the request's verified client certificate, or null when it has none. */
  Principal principal(HttpServerRequest request) {
    SSLSession session = request.sslSession();
    if (session == null) {
      return null;
    }
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
      return null;
    }
    String name = commonName(leaf);
    return name == null ? null : new Principal(name, null, roles.getOrDefault(name, List.of()), 0);
  }

  private static String commonName(X509Certificate certificate) {
    try {
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return rdn.getValue().toString();
        }
      }
    } catch (InvalidNameException e) {
      return null;
    }
    return null;
  }

  private static IllegalArgumentException invalid(String entry, String why) {
    return new IllegalArgumentException("tls.clientRoles (SSOT_TLS_CLIENT_ROLES): '" + entry + "': " + why);
  }
}
