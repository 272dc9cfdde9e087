package com.apindicators.webhooks.client.cli;

import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Enum values as the words flags take and JSON prints: {@code DELIVERY_STATUS_DELIVERED} is {@code delivered}. */
final class EnumWords {
  private EnumWords() {}

  static String word(EnumValueDescriptor v) {
    String prefix = prefix(v.getType());
    String name = v.getName();
    return (name.startsWith(prefix) ? name.substring(prefix.length()) : name).toLowerCase(Locale.ROOT);
  }

  /** The words a flag accepts: every value but the zero {@code _UNSPECIFIED} one. */
  static List<String> words(EnumDescriptor type) {
    List<String> words = new ArrayList<>();
    for (EnumValueDescriptor v : type.getValues()) {
      if (v.getNumber() != 0) {
        words.add(word(v));
      }
    }
    return words;
  }

  /** The value a flag's word names; a usage error listing the allowed words otherwise. */
  static EnumValueDescriptor parse(CommandSpec spec, EnumDescriptor type, String option, String word) {
    for (EnumValueDescriptor v : type.getValues()) {
      if (v.getNumber() != 0 && word(v).equals(word.strip().toLowerCase(Locale.ROOT))) {
        return v;
      }
    }
    throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '" + option + "': '" + word
        + "' is not one of " + String.join(", ", words(type)));
  }

  /** FOO_BAR for an enum named FooBar. */
  private static String prefix(EnumDescriptor type) {
    return type.getName().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT) + "_";
  }
}
