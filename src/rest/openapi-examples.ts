// The JSON examples of the original documents (../shared/seeds/), copied
// verbatim (the text as written there, big ids and all), for the OpenAPI
// document (src/rest/openapi.ts). test/integration/legacy-rest.test.ts checks
// that they still equal the seeds.

/** The msgPage request (000_4a26c3a661ef59a4.txt). */
export const MSG_PAGE_REQUEST = String.raw`{
  "tenantId": 82,
  "current": 1,
  "pageSize": 10,
  "info": {
    "whatsId": "",
    "friendWhatsId": "91844XXXX",
    "chatType": 1,
    "contentType": 2,
    "agentAccount": "dev_miors"
  }
}`;

/** The msgPage response (000_4a26c3a661ef59a4.txt). */
export const MSG_PAGE_RESPONSE = String.raw`{
  "code": 200,
  "message": "Success ",
  "data": {
    "records": [
      {
        "id": "2082",
        "userId": 1255,
        "username": "kubrick108",
        "whatsId": "86131xxxxxx",
        "actionType": 1,
        "chatType": 1,
        "content": "{\"caption\":\"hasaki\",\"filename\":\"wallpaper.png\",\"mimeType\":\"image/png\",\"type\":4,\"url\":\"http://wascrm008.oss-ap-southeast-1.aliyuncs.com/8435252A37C416whatsapp2CB4454C3EB0CC2D32D87993DACE07?Expires=1742354786&OSSAccessKeyId=STS.NWfTNWrMnN8g2VRK32yjgVsiK&Signature=ior0i3YcXR8nQSY27Wdmy2z9mec%3D&security-token=CAIS9gJ1q6Ft5B2yfSjIr5TTH%2FTjn5JP%2BfqMMHDjrzNndeVLubbCqTz2IHpJdHJrBOAZsPo1m2BS7v0dlo16E5RJH0GVY44g4s4NtF%2FxP4aE6sfsvflYg8H9FDjOUhD10pKKqzg0x2GHKJmXcFnhunJZ89mTLEefPTGMNZmOluQQDLA%2BVRW5ajxrHcpfIhAYxuYRKXrWM4TCUHPtmXGCTjAr2GxGhHh49L60z%2BCF9xPalyea8OIOoJnrKZXWCKsJNZxkAdCux740JOiTkgwoskgarvgq3PEaoGqY5o3NW2M8uUvWb7DmlfR0NxJ8a6QAHKpJkePxj%2FUQuJaIzdmnkE0Qbb4LDX6AFNr4m5TeY%2BiuM9M%2Bc%2FPgJ2%2BI28qKc4Pytw40ue%2BppfOpv7HLQ1oH6nxEIlmyQsfPc2DS6YsIeIavxEBbAzfkAhiZPDsnaophec%2Ft9QwyFLGykS2mSRCYcxLP3EEInQICETdFQ4LxZ%2BEVyHgLbvzR7GW6PhqAAVyckDg%2FpKbDfz5pqvGkNw7lzP1j3d%2FrINXTZSYNWd%2Bq0IOYEsQ4aHfyNBLyxsbIh4Bxg3btIMNCROp6ZzU3hkT%2F%2FREMNJSNCf1lo5awaYYB0QXyB6op2c0hCPXRw1sbz%2FGwvMXQY20lj5SjiIirfsWcAsufbm%2FNdTzPIZqFjzeFIAA%3D\",\"referContent\":{\"caption\":\"\",\"filename\":\"8435252A37C416whatsapp2CB4454C3EB084F0BFB4F7694B9684\",\"mimeType\":\"image/jpeg\",\"type\":1,\"url\":\"http://wascrm008.oss-ap-southeast-1.aliyuncs.com/8435252A37C416whatsapp2CB4454C3EB084F0BFB4F7694B9684?Expires=1742354786&OSSAccessKeyId=STS.NWfTNWrMnN8g2VRK32yjgVsiK&Signature=490ZbvCQCVDpfdrlp6sLVGPqclA%3D&security-token=CAIS9gJ1q6Ft5B2yfSjIr5TTH%2FTjn5JP%2BfqMMHDjrzNndeVLubbCqTz2IHpJdHJrBOAZsPo1m2BS7v0dlo16E5RJH0GVY44g4s4NtF%2FxP4aE6sfsvflYg8H9FDjOUhD10pKKqzg0x2GHKJmXcFnhunJZ89mTLEefPTGMNZmOluQQDLA%2BVRW5ajxrHcpfIhAYxuYRKXrWM4TCUHPtmXGCTjAr2GxGhHh49L60z%2BCF9xPalyea8OIOoJnrKZXWCKsJNZxkAdCux740JOiTkgwoskgarvgq3PEaoGqY5o3NW2M8uUvWb7DmlfR0NxJ8a6QAHKpJkePxj%2FUQuJaIzdmnkE0Qbb4LDX6AFNr4m5TeY%2BiuM9M%2Bc%2FPgJ2%2BI28qKc4Pytw40ue%2BppfOpv7HLQ1oH6nxEIlmyQsfPc2DS6YsIeIavxEBbAzfkAhiZPDsnaophec%2Ft9QwyFLGykS2mSRCYcxLP3EEInQICETdFQ4LxZ%2BEVyHgLbvzR7GW6PhqAAVyckDg%2FpKbDfz5pqvGkNw7lzP1j3d%2FrINXTZSYNWd%2Bq0IOYEsQ4aHfyNBLyxsbIh4Bxg3btIMNCROp6ZzU3hkT%2F%2FREMNJSNCf1lo5awaYYB0QXyB6op2c0hCPXRw1sbz%2FGwvMXQY20lj5SjiIirfsWcAsufbm%2FNdTzPIZqFjzeFIAA%3D\",\"whatsId\":\"918448631208@c.us\",\"msgId\":\"3EB084F0BFB4F7694B9684\"}}",
        "contentType": 9,
        "friendWhatsId": "91844xxxxxx",
        "friendName": "",
        "chatTime": 1733225447000,
        "createTime": 1733230230000
      },
      {
        "id": "23383535",
        "userId": 846164,
        "username": "kubrick108",
        "whatsId": "5735xxxx",
        "actionType": 2,
        "chatType": 1,
        "content": "这里是China",
        "contentType": 0,
        "friendWhatsId": "905343694925",
        "friendName": "",
        "chatTime": 1741962820000,
        "createTime": 1741962822000
      },
      {
        "id": "40830094",
        "userId": 846311,
        "username": "kubrick108",
        "whatsId": "5735xxxx",
        "actionType": 2,
        "chatType": 2,
        "content": "{\"filename\":\"null\",\"url\":\"https://whatsappscrm.oss-ap-southeast-1.aliyuncs.com/542192/soundRecordUploadFile/20241024/IMG-20241024-WA0008.jpg\",\"mimeType\":\"image/jpeg\",\"caption\":\"\"}",
        "contentType": 1,
        "friendWhatsId": "120363295594719602",
        "friendName": "",
        "chatTime": 1729753057000,
        "createTime": 1729753081000
      },
      {
        "id": "39604704",
        "userId": 846302,
        "username": "kubrick108",
        "whatsId": "5735xxxx",
        "actionType": 1,
        "chatType": 1,
        "content": "{\"filename\":\"d36a02a3-2566-453a-8a71-bf577dc64beb.mp4\",\"url\":\"https://whatsappscrm.oss-ap-southeast-1.aliyuncs.com/542192/soundRecordUploadFile/20241023/VID-20241023-WA0011.mp4\",\"mimeType\":\"video/mp4\",\"caption\":\"\"}",
        "contentType": 2,
        "friendWhatsId": "5735xxxx",
        "friendName": "",
        "chatTime": 1729686522154,
        "createTime": 1729686537000
      },
      {
        "id": "23383328",
        "userId": 846164,
        "username": "kubrick108",
        "whatsId": "5735xxxx",
        "actionType": 2,
        "chatType": 1,
        "content": "{\"filename\":\"null\",\"url\":\"https://whatsappscrm.oss-ap-southeast-1.aliyuncs.com/542192/soundRecordUploadFile/20250314/PTT-20250314-WA0001.opus\",\"mimeType\":\"audio\",\"caption\":\"\"}",
        "contentType": 3,
        "friendWhatsId": "9053436xxxxxx",
        "friendName": "",
        "chatTime": 1741962804000,
        "createTime": 1741962815000
      },
      {
        "id": "40791329",
        "userId": 846302,
        "username": "kubrick108",
        "whatsId": "5735xxxx",
        "actionType": 2,
        "chatType": 2,
        "content": "{\"filename\":\"2dc7dc135da9abad576ce2049a4f4b44.jpeg\",\"url\":\"https://whatsappscrm.oss-ap-southeast-1.aliyuncs.com/542192/soundRecordUploadFile/20241024/2dc7dc135da9abad576ce2049a4f4b44.jpeg\",\"mimeType\":\"document\",\"caption\":\"2dc7dc135da9abad576ce2049a4f4b44.jpeg\"}",
        "contentType": 4,
        "friendWhatsId": "120363295594719602",
        "friendName": "",
        "chatTime": 1729751088000,
        "createTime": 1729751099000
      },
      {
        "id": "38390136",
        "userId": 824461,
        "username": "kubrick108",
        "whatsId": "5735xxxx",
        "actionType": 1,
        "chatType": 1,
        "content": "BEGIN:VCARD\nVERSION:3.0\nN:;Jack 001;;;\nFN:Jack 001\nX-WA-BIZ-NAME:ChiuChiu Furniture\nTEL;type=CELL;type=VOICE;waid=4477590xxxxx:+44 7759 xxxxx\nEND:VCARD",
        "contentType": 6,
        "friendWhatsId": "5735xxxx",
        "friendName": "",
        "chatTime": 1742780478000,
        "createTime": 1742780487000
      },
      {
        "id": "38411417",
        "userId": 866063,
        "username": "kubrick108",
        "whatsId": "5735xxxx",
        "actionType": 2,
        "chatType": 1,
        "content": "{\"filename\":\"8672762A37C416whatsapp2CB4454C3A422ABC9FE76503910D\",\"url\":\"https://wascrm-oss-static.socialepoch.com/client/da1af6271ac8df062768aa80da058172/8672762A37C416whatsapp2CB4454C3A422ABC9FE76503910D\",\"mimeType\":\"image/webp\",\"caption\":\"\"}",
        "contentType": 7,
        "friendWhatsId": "5735xxxx",
        "friendName": "Evbuomwan Lawrence",
        "chatTime": 1742782392000,
        "createTime": 1742782401000
      }
    ],
    "total": 1,
    "size": 10,
    "current": 1,
    "pages": 1
  }
}`;

/** The MSG_SYNC_MESSAGE request (000_4a26c3a661ef59a4.txt). */
export const MSG_SYNC_REQUEST = String.raw`{
    "accessToken": "e6e18763d8212d26ced4f92512881c63c468d5a756d45c01486d7ad6742152ac",
    "tenantId": 1238,
    "timestamp": 1667295870936,
    "data": [
        {
            "id": "30e873ab8f4840e2b610c414fe967327",
            "messageId": "7a324c7b5512468cb7a9296af0f8379b",
            "userName": "gdkj002",
            "whatsId": "8617633819542@c.us",
            "friendWhatsId": "8615601882491@c.us",
            "currentWhatsId": "8617633819542@c.us",
            "actionType": 1,
            "chatType": 1,
            "messageStatus": 1,
            "content": "再见",
            "contentType": 0,
            "originType": 1,
            "sendTime": "2022-10-31 16:25:42",
            "userProfile":{
                "id":8423922419416375296,
                "name":"好友1",
                "whatsApp":"447759820897",
                "username":"testlsl001",
                "extendsMap":"{\"单行文本\":\"caseId009\",\"多选\":\"[]\",\"日期\":\"\"}",
                "income":"",
                "profession":"",
                "desc":"",
                "tags":[
                    "测试",
                    "测试000000000000000000",
                    "11111"
                ],
                "email":"",
                "address":"北京"
            },
            "taskId": 0,
            "taskInfoId": 0
        },
        {
            "id": "31057e55b9f842b4becf4a9ff699b64e",
            "messageId": "82bfefadceb948428fd3f3ef659e14b3",
            "userName": "gdkj002",
            "whatsId": "8617633819542@c.us",
            "friendWhatsId": "8615601882491@c.us",
            "currentWhatsId": "8617633819542@c.us",
            "actionType": 1,
            "chatType": 1,
            "messageStatus": 1,
            "content": "{\"caption\":\"\",\"filename\":\"\",\"mimetype\":\"video/mp4\",\"url\":\"https://image.whatsappscrm.com/client/603704/chat_history/1665198225749_video\"}",
            "contentType": 2,
            "originType": 1,
            "sendTime": "2022-10-31 16:25:42",
            "userProfile":{
                "id":8423922419416375296,
                "name":"好友2",
                "whatsApp":"447759820897",
                "username":"testlsl001",
                "extendsMap":"{\"单行文本\":\"caseId007\",\"多选\":\"[]\",\"日期\":\"\"}",
                "income":"100002",
                "profession":"IT",
                "desc":"备注",
                "tags":[
                    "测试",
                    "测试000000000000000000",
                    "11111"
                ],
                "email":"",
                "address":"北京"
            },
            "taskId": null,
            "taskInfoId": null
        }
    ]
}`;

/** The MSG_SYNC_MESSAGE response (000_4a26c3a661ef59a4.txt; written inline there). */
export const MSG_SYNC_RESPONSE = String.raw`{ "code": 200, "message": "success!", "data": "" }`;

/** The CLIENT_SYNC_MESSAGE request (000_4a26c3a661ef59a4.txt). */
export const CLIENT_SYNC_REQUEST = String.raw`[
    {
      "userId":"82",
      "whatsApp":"86172272727",
      "friendWhatsApp":"61191828282",
      "actionType":1,
      "chatType":1,
      "taskId":"taskid00001",
      "taskInfoId":"a0001",
      "content":[
        {
          "type": 1,
          "text": "hello",
          "messageId": "19282dskdasldjl01",
          "time": 1689129792000
        }
      ]
    },
    {
      "userId":"82",
      "whatsApp":"86172272727",
      "friendWhatsApp":"61191828282",
      "actionType":1,
      "chatType":1,
      "taskId":"taskid00001",
      "taskInfoId":"a0002",
      "content":[
        {
          "type": 2,
          "url": "{\"filename\": \"e70faa31-62dc-4d00-a42a-8a07735aa350\",\"url\": \"https://id-wscrm.oss-accelerate.aliyuncs.com/client/d584b8cfb9185cc999389f17b4236b3b/61733005-dfdb-4704-9c5d-944423c70dd1\",\"mimeType\": \"image/jpeg\", \"caption\": \"\"}",
          "messageId": "19282dskdasldjl02",
          "time": 1689129793000
        }
      ]
    },
    {
      "userId":"82",
      "whatsApp":"86172272727",
      "friendWhatsApp":"8615375457649",
      "actionType":1,
      "chatType":1,
      "taskId":"taskid00001",
      "taskInfoId":"a0003",
      "content":[
        {
          "type": 9,
          "url": "{\"caption\":\"1\",\"filename\":\"\",\"mimeType\":\"\",\"type\":1,\"url\":\"\"}",
          "messageId": "19282dskdasldjl03",
          "time": 1689129794000,
          "referContent": "{\"caption\":\"1\",\"filename\":\"\",\"mimeType\":\"\",\"type\":1,\"url\":\"\",\"whatsApp\":\"8615375457649\",\"messageId\":\"3EB04F939512D66B1F2DFA\"}"
        }
      ]
    }
]`;

/** The CLIENT_SYNC_MESSAGE response (000_4a26c3a661ef59a4.txt). */
export const CLIENT_SYNC_RESPONSE = String.raw`{
  "data": "",
  "code": 200,
  "message": "success"
}`;

/** The CLIENT_SYNC_MESSAGE_STATUS request (000_4a26c3a661ef59a4.txt). */
export const STATUS_SYNC_REQUEST = String.raw`[
    {
      "userId":"82",
      "taskId":"",
      "taskInfoId":"",
      "messageStatus": 2,
      "messageId": "19282dskdasldjl21"
    }
]`;

/** The CLIENT_SYNC_MESSAGE_STATUS response (000_4a26c3a661ef59a4.txt). */
export const STATUS_SYNC_RESPONSE = String.raw`{
  "data": "",
  "code": 200,
  "message": "success"
}`;

/** The retrievePastRecords request (001_4404d1714dac04a5.txt). */
export const PAST_RECORDS_REQUEST = String.raw`{
"custServId": "2844",
"oocDate": "2023-07-01",
"convType": "biDirFriend",
"receId": "187",
"pageno": 1,
"pageSize": 10
}`;

/** The retrievePastRecords response (001_4404d1714dac04a5.txt). */
export const PAST_RECORDS_RESPONSE = String.raw`{
"msg": "操作成功",
"code": 200,
"data": {
"custServId": "2844",
"convType": "biDirFriend",
"occDate": "2023-07-01",
"receId": "187",
"lastSendTime": "Sat Jul 01 10:53:52 CST 2023",
"receName": "曾林",
"total": 14,
"pageno": 2,
"pageSize": 10,
"contGroups": [
{
"contentType": "1",
"content": "你好这个产品怎么用",
"sendTime": "Sat Jul 01 10:53:52 CST 2023",
"contReadState": "0",
"sender": 1
},
{
"contentType": "1",
"content": "你好",
"sendTime": "Sat Jul 01 10:53:52 CST 2023",
"contReadState": "0",
"sender": 0
},
{
"contentType": "1",
"content": "你好这个产品怎么用",
"sendTime": "Sat Jul 01 10:53:52 CST 2023",
"contReadState": "0",
"sender": 1
},
{
"contentType": "1",
"content": "你好",
"sendTime": "Sat Jul 01 10:53:52 CST 2023",
"contReadState": "0",
"sender": 0
}
]
}
}`;
