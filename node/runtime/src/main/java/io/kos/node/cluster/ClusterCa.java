package io.kos.node.cluster;

import io.kos.node.PrivateFiles;
import io.kos.node.config.ConfigException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.regex.Pattern;

/**
 * The cluster's own certificate authority (BouncyCastle): {@code kos-node cluster init DIR} makes
 * its key and self-signed certificate, {@code kos-node cluster issue} a member's key and a
 * certificate for its host, good for both ends of a TLS connection (the event bus is mutual TLS).
 * ECDSA P-256 keys, SHA-256 signatures: what every TLS stack speaks.
 */
public final class ClusterCa {

  public static final String CA_CERT = "ca.crt";
  public static final String CA_KEY = "ca.key";
  public static final String MEMBER_CERT = "member.crt";
  public static final String MEMBER_KEY = "member.key";
  private static final Duration CA_LIFETIME = Duration.ofDays(3650);
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9a-fA-F:]+:[0-9a-fA-F:.]*");
  private static final SecureRandom RANDOM = new SecureRandom();

  private ClusterCa() {
  }

  /** Makes a CA in {@code dir} ({@code ca.crt}, {@code ca.key} owner-only); refuses to replace one. */
  public static Path init(Path dir, String name) {
    Path cert = dir.resolve(CA_CERT);
    if (Files.exists(cert) || Files.exists(dir.resolve(CA_KEY))) {
      throw new ConfigException(dir + " already holds a cluster CA; certificates it issued would stop being trusted if it were replaced");
    }
    try {
      KeyPair pair = newKeyPair();
      X500Name subject = new X500Name("CN=kOS cluster CA " + name.replace(",", " ").replace("=", " "));
      Instant now = Instant.now();
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minusSeconds(60)),
          Date.from(now.plus(CA_LIFETIME)), subject, pair.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(pair.getPublic()));
      X509Certificate certificate = sign(builder, pair.getPrivate());
      Files.createDirectories(dir);
      PrivateFiles.write(dir.resolve(CA_KEY), pem(pair.getPrivate()));
      Files.writeString(cert, pem(certificate), StandardCharsets.US_ASCII);
      return cert;
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("could not make the cluster CA in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Issues a member certificate for {@code host} (a DNS name or an IP address, in the subject
   * alternative name) into {@code out}: {@code member.crt}, {@code member.key} owner-only, and a
   * copy of {@code ca.crt}.
   */
  public static Path issue(Path caDir, String host, Path out, Duration lifetime) {
    try {
      X509Certificate caCert = readCertificate(caDir.resolve(CA_CERT));
      PrivateKey caKey = readKey(caDir.resolve(CA_KEY));
      KeyPair pair = newKeyPair();
      Instant now = Instant.now();
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      GeneralName name = IP_LITERAL.matcher(host).matches() && InetAddress.getByName(host) != null
          ? new GeneralName(GeneralName.iPAddress, host) : new GeneralName(GeneralName.dNSName, host);
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCert, serial(), Date.from(now.minusSeconds(60)),
          Date.from(now.plus(lifetime)), new X500Name("CN=" + host.replace(",", " ").replace("=", " ")), pair.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(name))
          .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(caCert))
          .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(pair.getPublic()));
      X509Certificate certificate = sign(builder, caKey);
      Files.createDirectories(out);
      PrivateFiles.write(out.resolve(MEMBER_KEY), pem(pair.getPrivate()));
      Files.writeString(out.resolve(MEMBER_CERT), pem(certificate), StandardCharsets.US_ASCII);
      Files.writeString(out.resolve(CA_CERT), pem(caCert), StandardCharsets.US_ASCII);
      return out.resolve(MEMBER_CERT);
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new ConfigException("could not issue a certificate for " + host + " from the CA in " + caDir + ": " + e.getMessage());
    }
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) throws OperatorCreationException, GeneralSecurityException {
    ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key);
    return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
  }

  private static X509Certificate readCertificate(Path file) throws IOException, GeneralSecurityException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(reader)) {
      if (parser.readObject() instanceof X509CertificateHolder holder) {
        return new JcaX509CertificateConverter().getCertificate(holder);
      }
      throw new IOException(file + " holds no PEM certificate");
    }
  }

  private static PrivateKey readKey(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(reader)) {
      Object read = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (read instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      if (read instanceof PEMKeyPair pair) {
        return converter.getKeyPair(pair).getPrivate();
      }
      throw new IOException(file + " holds no PEM private key");
    }
  }

  /** PKCS#8 ({@code PRIVATE KEY}) for a key, what Vert.x's PEM options read. */
  private static String pem(Object object) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(object instanceof PrivateKey key ? new PemObject("PRIVATE KEY", key.getEncoded()) : object);
    }
    return text.toString();
  }
}
