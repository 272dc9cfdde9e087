package com.apindicators.webhooks.server.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Makes sure an admin key exists: a configured one is adopted; with none, one is created and written to a file. */
public final class AdminKeyBootstrap {
  private static final Logger log = LoggerFactory.getLogger(AdminKeyBootstrap.class);

  private AdminKeyBootstrap() {}

  /**
   * @param configuredKey a key from WEBHOOKS_ADMIN_KEY, or null
   * @param keyFile the key file: read when it exists, written (mode 600) when a key is created
   */
  public static void ensure(ApiKeys keys, String configuredKey, Path keyFile) throws IOException {
    if (configuredKey != null) {
      keys.adopt(configuredKey.strip(), "configured admin key");
      return;
    }
    if (Files.exists(keyFile)) {
      keys.adopt(Files.readString(keyFile, StandardCharsets.UTF_8).strip(), "admin key from " + keyFile.getFileName());
      log.info("Admin API key: {}", keyFile.toAbsolutePath());
      return;
    }
    if (keys.hasAdminKey()) {
      return;
    }
    ApiKeys.Created created = keys.create(null, "first admin key");
    Files.createDirectories(keyFile.toAbsolutePath().getParent());
    Path tmp = keyFile.resolveSibling(keyFile.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, created.apiKey() + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, keyFile);
    log.info("Created an admin API key and wrote it to {} (mode 600); send it as 'authorization: Bearer <key>'",
        keyFile.toAbsolutePath());
  }
}
