export interface ImportRejectionTable {
  campaign_id: string;
  org_id: string;
  /** The file row, as a spreadsheet shows it (the header is row 1). */
  row: number;
  reason: string;
  detail: string;
}
