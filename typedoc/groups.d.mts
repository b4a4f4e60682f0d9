/** One group of the API reference. */
export interface ApiGroup {
  title: string;
  description: string;
  names: string[];
}
export declare const API_GROUPS: ApiGroup[];
