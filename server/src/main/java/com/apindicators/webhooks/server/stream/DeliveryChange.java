package com.apindicators.webhooks.server.stream;

import com.apindicators.webhooks.server.delivery.Delivery;

/** One state change of a delivery: its position in the change log and the delivery as it was then. */
public record DeliveryChange(long changeId, Delivery delivery) {}
