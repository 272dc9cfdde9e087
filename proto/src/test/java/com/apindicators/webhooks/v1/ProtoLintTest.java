package com.apindicators.webhooks.v1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.DescriptorProtos.FileOptions;
import com.google.protobuf.Descriptors.FileDescriptor;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The v1 .proto files: every language's options are set, and `buf lint` (STANDARD and COMMENTS rules) is clean. */
class ProtoLintTest {
  static final List<FileDescriptor> FILES = List.of(ResourcesProto.getDescriptor(), AccountServiceProto.getDescriptor(),
      ApiKeyServiceProto.getDescriptor(), DeliveryServiceProto.getDescriptor(), EventServiceProto.getDescriptor(),
      WebhookServiceProto.getDescriptor());

  @Test
  void everyFileNamesItsPackageForEveryLanguageSoGeneratorsNeedNoMappings() {
    for (FileDescriptor f : FILES) {
      FileOptions o = f.getOptions();
      assertThat(o.getGoPackage()).as(f.getName()).isEqualTo(
          "github.com/apindicators/webhooks/gen/go/apindicators/webhooks/v1;webhooksv1");
      assertThat(o.getCsharpNamespace()).as(f.getName()).isEqualTo("APIndicators.Webhooks.V1");
      assertThat(o.getRubyPackage()).as(f.getName()).isEqualTo("APIndicators::Webhooks::V1");
      assertThat(o.getPhpNamespace()).as(f.getName()).isEqualTo("APIndicators\\Webhooks\\V1");
      assertThat(o.getObjcClassPrefix()).as(f.getName()).isEqualTo("AWX");
      assertThat(o.getJavaPackage()).as(f.getName()).isEqualTo("com.apindicators.webhooks.v1");
      assertThat(o.getJavaMultipleFiles()).as(f.getName()).isTrue();
    }
  }

  @Test
  void bufLintIsClean() throws Exception {
    // buf comes from the npm package @bufbuild/buf (proto/package.json); .ci/run installs it.
    File buf = new File("node_modules/.bin/buf");
    assumeTrue(buf.canExecute() || System.getenv("CI") != null, "run `npm install` in proto/ to get buf");
    Process p = new ProcessBuilder(buf.getPath(), "lint").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(out).isTrue();
    assertThat(p.exitValue()).as("buf lint printed:%n%s", out).isZero();
  }
}
