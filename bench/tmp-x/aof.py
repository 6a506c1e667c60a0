import sys
data=open(sys.argv[1],'rb').read()
i=0
out=[]
while i<len(data):
    if data[i:i+1]!=b'*':
        j=data.index(b'\n',i); i=j+1; continue
    j=data.index(b'\r\n',i); n=int(data[i+1:j]); i=j+2
    args=[]
    start=i
    for _ in range(n):
        j=data.index(b'\r\n',i); l=int(data[i+1:j]); i=j+2
        args.append(data[i:i+l]); i+=l+2
    out.append((i-start, args))
for size,args in out:
    a=[x.decode('utf8','replace') for x in args]
    s=' '.join(x if len(x)<60 else x[:57]+'...('+str(len(x))+')' for x in a[:6])
    print(size, s)
