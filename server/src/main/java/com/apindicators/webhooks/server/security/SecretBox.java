package com.apindicators.webhooks.server.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts signing secrets at rest with AES-256-GCM under a master key: {@code v1:<key id>:<base64 nonce|ciphertext>}.
 * Several master keys may be configured (comma-separated): the first seals, all open, so keys can be rotated.
 */
public final class SecretBox {
  private static final String PREFIX = "v1:";
  private static final int NONCE_BYTES = 12;
  private static final SecureRandom RANDOM = new SecureRandom();
  private final Map<String, SecretKeySpec> keys = new LinkedHashMap<>();
  /** Decrypting costs more than signing; every delivery opens its webhook's secret, so opened ones are kept. */
  private final Map<String, String> opened = new java.util.concurrent.ConcurrentHashMap<>();
  private static final int MAX_OPENED = 100_000;
  private final String currentId;

  /** @param masterKeys base64 32-byte keys, the first the current one */
  public SecretBox(List<String> masterKeys) {
    for (String k : masterKeys) {
      byte[] raw = Base64.getDecoder().decode(k.strip());
      if (raw.length != 32) {
        throw new IllegalArgumentException("a master key must be 32 bytes, base64-encoded (openssl rand -base64 32)");
      }
      keys.put(keyId(raw), new SecretKeySpec(raw, "AES"));
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("no master key");
    }
    this.currentId = keys.keySet().iterator().next();
  }

  /** From WEBHOOKS_MASTER_KEY when set, else from {@code keyFile}, creating it (mode 600) on first start. */
  public static SecretBox load(String fromEnvironment, Path keyFile) throws IOException {
    if (fromEnvironment != null && !fromEnvironment.isBlank()) {
      return new SecretBox(List.of(fromEnvironment.split(",")));
    }
    if (!Files.exists(keyFile)) {
      byte[] raw = new byte[32];
      RANDOM.nextBytes(raw);
      Files.createDirectories(keyFile.toAbsolutePath().getParent());
      Path tmp = keyFile.resolveSibling(keyFile.getFileName() + ".tmp");
      Files.deleteIfExists(tmp);
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, Base64.getEncoder().encodeToString(raw) + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, keyFile);
    }
    return new SecretBox(List.of(Files.readString(keyFile, StandardCharsets.UTF_8).strip().split(",")));
  }

  /** A box with a fresh random key, for tests and tools. */
  public static SecretBox random() {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    return new SecretBox(List.of(Base64.getEncoder().encodeToString(raw)));
  }

  public boolean isSealed(String value) {
    return value != null && value.startsWith(PREFIX);
  }

  /** Encrypts with the current master key and a random nonce. */
  public String seal(String plaintext) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, keys.get(currentId), new GCMParameterSpec(128, nonce));
      c.updateAAD(currentId.getBytes(StandardCharsets.US_ASCII));
      byte[] ct = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[nonce.length + ct.length];
      System.arraycopy(nonce, 0, out, 0, nonce.length);
      System.arraycopy(ct, 0, out, nonce.length, ct.length);
      return PREFIX + currentId + ":" + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  /** Decrypts a sealed value; fails if it is not sealed, was sealed under an unknown key, or was tampered with. */
  public String open(String sealed) {
    String cached = opened.get(sealed);
    if (cached != null) {
      return cached;
    }
    String plain = decrypt(sealed);
    if (opened.size() >= MAX_OPENED) {
      opened.clear();
    }
    opened.put(sealed, plain);
    return plain;
  }

  private String decrypt(String sealed) {
    if (!isSealed(sealed)) {
      throw new IllegalStateException("a stored signing secret is not encrypted");
    }
    int colon = sealed.indexOf(':', PREFIX.length());
    String id = sealed.substring(PREFIX.length(), colon);
    SecretKeySpec key = keys.get(id);
    if (key == null) {
      throw new IllegalStateException("a signing secret was encrypted under master key " + id
          + ", which is not configured; add it after the current key in WEBHOOKS_MASTER_KEY");
    }
    try {
      byte[] in = Base64.getDecoder().decode(sealed.substring(colon + 1));
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, in, 0, NONCE_BYTES));
      c.updateAAD(id.getBytes(StandardCharsets.US_ASCII));
      return new String(c.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("a signing secret failed to decrypt (tampered, or the wrong master key)", e);
    }
  }

  /**
   * 32-byte keys for another purpose, one per master key (the current one first): HMAC-SHA256 of the purpose
   * under each master key, so every process with the same master keys derives the same keys.
   */
  public List<SecretKeySpec> derivedKeys(String purpose) {
    try {
      List<SecretKeySpec> out = new java.util.ArrayList<>();
      for (SecretKeySpec master : keys.values()) {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(master.getEncoded(), "HmacSHA256"));
        out.add(new SecretKeySpec(mac.doFinal(("apindicators-webhooks/" + purpose).getBytes(StandardCharsets.UTF_8)), "AES"));
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    }
  }

  /** The current master key's id (first 8 hex digits of its SHA-256). */
  public String currentKeyId() {
    return currentId;
  }

  private static String keyId(byte[] raw) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw)).substring(0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
