export interface SendRateTable {
  channel_id: string;
  /** GCRA's theoretical arrival time: sends are booked up to here. */
  booked_until: Date;
}

export interface KeyRateTable {
  key_id: string;
  /** As send_rates: the API key's requests are booked up to here. */
  booked_until: Date;
}
