export interface SendRateTable {
  channel_id: string;
  /** GCRA's theoretical arrival time: sends are booked up to here. */
  booked_until: Date;
}
