// A client of the legacy POST /api/v1/Common/WxToken as the .NET service's own clients were
// written: the service's model classes (RequestResult<T>, WxAccess_Token extending a base with
// errcode and errmsg) and DataContractSerializer, which is strict about names, namespaces and
// member order. Built and run with Debian's Mono by a-dotnet-client-uses-the-legacy-endpoint.ts;
// it prints one JSON object per run for that test to check.
//
//   LegacyClient.exe samples
//   LegacyClient.exe read <url> <api key> <appid> <accept>
//   LegacyClient.exe report-xml <url> <api key> <appid> <accept> <content type> <token>
//   LegacyClient.exe report-form <url> <api key> <appid> <accept> <token>
//
// Run it with TZ=Asia/Shanghai: the service ran in China, so its DateTimes were local +08:00 ones.

using System;
using System.Globalization;
using System.IO;
using System.Net;
using System.Runtime.Serialization;
using System.Text;
using System.Xml;

namespace WLife.Application
{
    [DataContract]
    public class RequestResult
    {
        [DataMember] public string Message { get; set; }
        [DataMember] public int Status { get; set; }
        [DataMember] public int Total { get; set; }
    }

    [DataContract]
    public class RequestResult<T> : RequestResult
    {
        [DataMember] public T Data { get; set; }
    }
}

namespace WLife.Application.WeiXin
{
    [DataContract]
    public class WxResult
    {
        [DataMember] public int errcode { get; set; }
        [DataMember] public string errmsg { get; set; }
    }

    [DataContract]
    public class WxAccess_Token : WxResult
    {
        [DataMember] public string access_token { get; set; }
        [DataMember] public int expires_in { get; set; }
        [DataMember] public DateTime create_time { get; set; }
        [DataMember] public DateTime expires_time { get; set; }
    }
}

namespace LegacyClient
{
    using WLife.Application;
    using WLife.Application.WeiXin;

    static class Program
    {
        static readonly DataContractSerializer ResultSerializer =
            new DataContractSerializer(typeof(RequestResult<WxAccess_Token>));
        static readonly DataContractSerializer TokenSerializer =
            new DataContractSerializer(typeof(WxAccess_Token));

        static int Main(string[] args)
        {
            try
            {
                switch (args.Length > 0 ? args[0] : "")
                {
                    case "samples": Console.WriteLine(Samples()); return 0;
                    case "read": Console.WriteLine(Call(args[1], args[2], args[3], args[4], null, null)); return 0;
                    case "report-xml":
                        var token = new WxAccess_Token { access_token = args[6] };
                        Console.WriteLine(Call(args[1], args[2], args[3], args[4], args[5], WebApiXml(TokenSerializer, token)));
                        return 0;
                    case "report-form":
                        var form = "access_token=" + Uri.EscapeDataString(args[5]) + "&errcode=0";
                        Console.WriteLine(Call(args[1], args[2], args[3], args[4], "application/x-www-form-urlencoded", form));
                        return 0;
                    default:
                        Console.Error.WriteLine("usage: samples | read | report-xml | report-form (see the source)");
                        return 2;
                }
            }
            catch (Exception e)
            {
                // The test shows this: a deserialization failure is the finding, not a crash to hide.
                Console.Error.WriteLine(e.ToString());
                return 1;
            }
        }

        /** As ASP.NET Web API's XmlMediaTypeFormatter writes: XmlWriter, no declaration, UTF-8 without BOM. */
        static string WebApiXml(DataContractSerializer serializer, object value)
        {
            var settings = new XmlWriterSettings
            {
                OmitXmlDeclaration = true,
                CloseOutput = false,
                CheckCharacters = false,
                Encoding = new UTF8Encoding(false, true),
            };
            var buffer = new MemoryStream();
            using (var writer = XmlWriter.Create(buffer, settings)) serializer.WriteObject(writer, value);
            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        /** The serializer's answer to "what does the model look like on the wire" (SPEC §5's sample). */
        static string Samples()
        {
            var created = DateTime.Parse("2025-05-04T17:07:20.4181231+08:00", CultureInfo.InvariantCulture);
            var success = new RequestResult<WxAccess_Token>
            {
                Message = "",
                Status = 0,
                Total = 0,
                Data = new WxAccess_Token
                {
                    errcode = 0,
                    errmsg = "ok",
                    access_token = "91_sample-token",
                    create_time = created,
                    expires_in = 7200,
                    expires_time = created.AddSeconds(7200),
                },
            };
            var refusal = new RequestResult<WxAccess_Token> { Message = "the API key is not valid", Status = 1 };
            var wechat = new RequestResult<WxAccess_Token>
            {
                Message = "WeChat refused to issue an access_token",
                Status = 1,
                Data = new WxAccess_Token { errcode = 40164, errmsg = "invalid ip <1.2.3.4> & more", access_token = "" },
            };
            var report = new WxAccess_Token { access_token = "91_sample-token" };
            return new Json()
                .Add("success", WebApiXml(ResultSerializer, success))
                .Add("refusal", WebApiXml(ResultSerializer, refusal))
                .Add("wechatRefusal", WebApiXml(ResultSerializer, wechat))
                .Add("report", WebApiXml(TokenSerializer, report))
                .ToString();
        }

        /** POSTs (with a body when given one) and reads the answer with DataContractSerializer. */
        static string Call(string url, string key, string appid, string accept, string contentType, string body)
        {
            var request = (HttpWebRequest)WebRequest.Create(url + "/api/v1/Common/WxToken?appid=" + Uri.EscapeDataString(appid));
            request.Method = "POST";
            request.Accept = accept;
            request.Headers.Add("Authorization", "Bearer " + key);
            var bytes = Encoding.UTF8.GetBytes(body ?? "");
            if (contentType != null) request.ContentType = contentType + "; charset=utf-8";
            request.ContentLength = bytes.Length;
            using (var stream = request.GetRequestStream()) stream.Write(bytes, 0, bytes.Length);

            HttpWebResponse response;
            try
            {
                response = (HttpWebResponse)request.GetResponse();
            }
            catch (WebException e) when (e.Response != null)
            {
                // A refusal comes with a 4xx/5xx status and its RequestResult body.
                response = (HttpWebResponse)e.Response;
            }
            var status = (int)response.StatusCode;
            var answeredType = response.ContentType;
            byte[] raw;
            using (response)
            using (var stream = response.GetResponseStream())
            using (var copy = new MemoryStream())
            {
                stream.CopyTo(copy);
                raw = copy.ToArray();
            }
            var result = (RequestResult<WxAccess_Token>)ResultSerializer.ReadObject(new MemoryStream(raw));
            var json = new Json()
                .Add("httpStatus", status)
                .Add("contentType", answeredType)
                .Add("sent", body)
                .Add("body", Encoding.UTF8.GetString(raw))
                .Add("reserialized", WebApiXml(ResultSerializer, result))
                .Add("Message", result.Message)
                .Add("Status", result.Status)
                .Add("Total", result.Total);
            if (result.Data == null) return json.AddRaw("Data", "null").ToString();
            var data = result.Data;
            var fields = new Json()
                .Add("errcode", data.errcode)
                .Add("errmsg", data.errmsg)
                .Add("access_token", data.access_token)
                .Add("create_time", data.create_time.ToString("o", CultureInfo.InvariantCulture))
                .Add("create_time_kind", data.create_time.Kind.ToString())
                .Add("expires_in", data.expires_in)
                .Add("expires_time", data.expires_time.ToString("o", CultureInfo.InvariantCulture));
            return json.AddRaw("Data", fields.ToString()).ToString();
        }
    }

    /** Just enough JSON writing for the test to read the client's findings. */
    sealed class Json
    {
        readonly StringBuilder text = new StringBuilder("{");

        public Json AddRaw(string name, string json)
        {
            if (text.Length > 1) text.Append(',');
            text.Append(Quote(name)).Append(':').Append(json);
            return this;
        }

        public Json Add(string name, string value) { return AddRaw(name, value == null ? "null" : Quote(value)); }
        public Json Add(string name, int value) { return AddRaw(name, value.ToString(CultureInfo.InvariantCulture)); }

        public override string ToString() { return text.ToString() + "}"; }

        static string Quote(string value)
        {
            var quoted = new StringBuilder("\"");
            foreach (var ch in value)
            {
                if (ch == '"' || ch == '\\') quoted.Append('\\').Append(ch);
                else if (ch < ' ' || ch > '~') quoted.Append("\\u").Append(((int)ch).ToString("x4"));
                else quoted.Append(ch);
            }
            return quoted.Append('"').ToString();
        }
    }
}
