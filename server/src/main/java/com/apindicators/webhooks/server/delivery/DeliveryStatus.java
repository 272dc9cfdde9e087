package com.apindicators.webhooks.server.delivery;

/** The state of a delivery, as our docs name them. */
public enum DeliveryStatus {
  PENDING,
  DELIVERED,
  FAILED
}
