package io.ssot;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed certificate for {@code localhost} and {@code 127.0.0.1} (EC P-256, valid for a
 * day either side of now) and its PKCS#8 private key, written as PEM files as an operator would
 * pass them in {@code SSOT_TLS_CERT} and {@code SSOT_TLS_KEY}. With another common name, it is a
 * client certificate for mutual TLS, its own issuer.
 */
record SelfSignedPem(Path cert, Path key) {

  static SelfSignedPem write(Path dir) throws IOException {
    return write(dir, "localhost", "");
  }

  /** A certificate with subject {@code CN=<commonName>}, in files named after {@code filePrefix}. */
  static SelfSignedPem write(Path dir, String commonName, String filePrefix) throws IOException {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(256);
      KeyPair pair = generator.generateKeyPair();
      X500Name name = new X500Name("CN=" + commonName);
      Instant now = Instant.now();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
          Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(1))), name, pair.getPublic())
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
              new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
      byte[] cert = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())).getEncoded();
      SelfSignedPem pem = new SelfSignedPem(dir.resolve(filePrefix + "cert.pem"), dir.resolve(filePrefix + "key.pem"));
      Files.writeString(pem.cert(), pem("CERTIFICATE", cert));
      // The JDK encodes a private key as PKCS#8, the format tls.key asks for.
      Files.writeString(pem.key(), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
      return pem;
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make a self-signed certificate", e);
    }
  }

  private static String pem(String type, byte[] der) {
    String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + base64 + "\n-----END " + type + "-----\n";
  }
}
