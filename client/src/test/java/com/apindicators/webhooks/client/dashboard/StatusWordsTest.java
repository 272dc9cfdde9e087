package com.apindicators.webhooks.client.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.v1.DeliveryStatus;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's status filter reads its words the same in every locale: in Turkish, "delivered" upper-cased has a
 * dotted capital I, which no status name has.
 */
class StatusWordsTest {
  @Test
  void statusWordsParseInATurkishLocale() {
    Locale before = Locale.getDefault();
    Locale.setDefault(Locale.forLanguageTag("tr-TR"));
    try {
      assertThat(DeliveryRoutes.statuses(List.of("pending", "delivered", "failed"))).containsExactly(
          DeliveryStatus.DELIVERY_STATUS_PENDING, DeliveryStatus.DELIVERY_STATUS_DELIVERED,
          DeliveryStatus.DELIVERY_STATUS_FAILED);
    } finally {
      Locale.setDefault(before);
    }
  }
}
