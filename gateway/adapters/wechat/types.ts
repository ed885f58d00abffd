// WeChat Official Account shapes: the XML fields of pushed messages and events, and the JSON
// of the APIs we call. Never exported past this adapter.

/** Fields of a pushed message or event (XML children of <xml>), all as text. */
export interface WechatPush {
  ToUserName?: string; FromUserName?: string; CreateTime?: string; MsgType?: string;
  MsgId?: string; MsgID?: string;                          // most pushes say MsgId, a few MsgID
  Content?: string;                                        // text
  PicUrl?: string; MediaId?: string;                       // image (and MediaId for voice, video)
  Format?: string; Recognition?: string;                   // voice: codec, speech-to-text transcript
  ThumbMediaId?: string;                                   // video, shortvideo
  Location_X?: string; Location_Y?: string; Scale?: string; Label?: string; // location
  Title?: string; Description?: string; Url?: string;     // link
  Event?: string; EventKey?: string; Ticket?: string;      // events
  Latitude?: string; Longitude?: string; Precision?: string; // LOCATION event
  Encrypt?: string;                                        // safe mode: the whole message, encrypted
}

/** Every API answer carries errcode (0 or absent on success) and errmsg. */
export interface WechatApiResult { errcode?: number; errmsg?: string }

export interface WechatTokenResult extends WechatApiResult { access_token?: string; expires_in?: number }

/** POST /cgi-bin/message/custom/send: a customer service message (text; media would need media/upload first). */
export type WechatCustomMessage = { touser: string } & (
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'image'; image: { media_id: string } }
  | { msgtype: 'voice'; voice: { media_id: string } }
  | { msgtype: 'video'; video: { media_id: string; title?: string } });

/** media/upload's answer: the temporary media id (kept three days). */
export interface WechatUploadResult extends WechatApiResult { type?: string; media_id?: string; created_at?: number }

/** media/get answers a video with a download URL instead of the bytes. */
export interface WechatMediaResult extends WechatApiResult { video_url?: string }
